import { InvalidArgumentError } from "@trainyard/common";

const TASK_ID = /^[A-Za-z0-9_=-]{1,128}$/;

/** Task ids are KV keys and subject tokens: reject anything else before it reaches NATS. */
export function requireTaskId(id: string, field = "task_id"): string {
  if (!id) throw new InvalidArgumentError(field, "is required");
  if (!TASK_ID.test(id)) throw new InvalidArgumentError(field, `${JSON.stringify(id.slice(0, 140))} is not a task id`);
  return id;
}
