import { JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { claimKey, currentAttempt, type DispatchMessage, type TaskRecord } from "@trainyard/common";

/**
 * Before an agent runs an attempt it (1) checks the record still wants exactly this attempt
 * and (2) claims it by creating "<task>.<attempt>" in the claims bucket, which succeeds for
 * exactly one agent. Redelivered or stale dispatch messages thus never start a second run.
 */
export type ClaimResult =
  | { claimed: true; task: TaskRecord; again: boolean }
  | { claimed: false; why: "gone" | "not-wanted" | "taken" | "does-not-fit" };

export async function claimAttempt(
  tasks: KV,
  claims: KV,
  d: DispatchMessage,
  nodeId: string,
  fits: (task: TaskRecord) => boolean,
): Promise<ClaimResult> {
  const e = await tasks.get(d.taskId);
  if (!e || e.operation !== "PUT") return { claimed: false, why: "gone" };
  const task = e.json<TaskRecord>();
  if (!wantsAttempt(task, d.attempt)) return { claimed: false, why: "not-wanted" };
  if (!fits(task)) return { claimed: false, why: "does-not-fit" };
  try {
    await claims.create(claimKey(d.taskId, d.attempt), nodeId);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === 10071)) throw err;
    // Ours already (an earlier delivery claimed it, then the ack was lost)? Then it is ours to run.
    const held = await claims.get(claimKey(d.taskId, d.attempt));
    if (held?.operation === "PUT" && held.string() === nodeId) return { claimed: true, task, again: true };
    return { claimed: false, why: "taken" };
  }
  return { claimed: true, task, again: false };
}

/** Pure: is `attempt` the current, still pending attempt of a task that is not cancelled? */
export function wantsAttempt(task: TaskRecord, attempt: number): boolean {
  const cur = currentAttempt(task);
  return task.state === "PENDING" && cur.number === attempt && cur.state === "PENDING" && !task.cancel;
}
