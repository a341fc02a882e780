import { InvalidArgumentError } from "@trainyard/common";
import { TASK_ID_PATTERN } from "../core/ids.js";

/** Task ids are KV keys and subject tokens: reject anything else before it reaches NATS. */
export function requireTaskId(id: string, field = "task_id"): string {
  if (!id) throw new InvalidArgumentError(field, "is required");
  if (!TASK_ID_PATTERN.test(id)) throw new InvalidArgumentError(field, `${JSON.stringify(id.slice(0, 140))} is not a task id`);
  return id;
}
