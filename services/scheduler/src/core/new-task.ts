import { taskWords, type TaskRecord, type TaskSpec } from "@trainyard/common";

/** A freshly submitted task: PENDING, attempt 1, dispatchable now. Pure. */
export function newTask(id: string, spec: TaskSpec, now: number, idempotencyKey?: string): TaskRecord {
  return {
    id,
    spec,
    state: "PENDING",
    attempts: [{ number: 1, state: "PENDING", notBefore: now }],
    message: taskWords.waiting(spec.pool),
    createTime: now,
    history: [{ time: now, type: "submitted", attempt: 1, message: taskWords.submitted(spec.image) }],
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
}
