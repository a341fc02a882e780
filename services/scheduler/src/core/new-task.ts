import { taskWords, type TaskRecord, type TaskSpec } from "@trainyard/common";
import { waitingText } from "./dependencies.js";

export interface Submitter {
  namespace: string;
  /** The token's name. */
  name: string;
}

/**
 * A freshly submitted task: PENDING, attempt 1, dispatchable now (or once its dependencies
 * hold: it says whom it waits for), in its submitter's namespace. Pure.
 */
export function newTask(id: string, spec: TaskSpec, now: number, by: Submitter, idempotencyKey?: string): TaskRecord {
  return {
    id,
    spec,
    state: "PENDING",
    attempts: [{ number: 1, state: "PENDING", notBefore: now }],
    message: spec.dependsOn?.length ? waitingText(spec.dependsOn) : taskWords.waiting(spec.pool),
    createTime: now,
    history: [{ time: now, type: "submitted", attempt: 1, message: taskWords.submitted(spec.image), principal: by.name }],
    namespace: by.namespace,
    createdBy: by.name,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
}
