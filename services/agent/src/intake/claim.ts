/**
 * Claiming an attempt before running it: (1) the record must still want exactly this attempt,
 * placed on this node, and it must fit here now (its devices free), (2) this node creates its claim, "<task>.<attempt>.<node>",
 * and holds the attempt if its claim is the first one stored (nats/claims.ts), which is true for
 * exactly one agent. Redelivered or stale dispatch messages thus never start a second run. A claim
 * this node already holds (an earlier delivery claimed it, then the ack was lost) is its own
 * again (`again: true`).
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { claimKey, type DispatchMessage, type TaskRecord } from "@trainyard/common";
import type { ClaimResult } from "../core/dispatch-decision.js";
import { wantsAttempt } from "../core/stop-cause.js";

export async function claimAttempt(
  tasks: KV,
  claims: KV,
  holderOf: (taskId: string, attempt: number) => Promise<string | null>,
  d: DispatchMessage,
  nodeId: string,
  fits: (task: TaskRecord) => boolean,
): Promise<ClaimResult> {
  const e = await tasks.get(d.taskId);
  if (!e || e.operation !== "PUT") return { claimed: false, why: "gone" };
  const task = e.json<TaskRecord>();
  if (!wantsAttempt(task, d.attempt, nodeId)) return { claimed: false, why: "not-wanted" };
  if (!fits(task)) return { claimed: false, why: "does-not-fit" };
  let again = false;
  try {
    await claims.create(claimKey(d.taskId, d.attempt, nodeId), nodeId);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence)) throw err;
    again = true; // this node claimed it before
  }
  const holder = await holderOf(d.taskId, d.attempt);
  return holder === nodeId ? { claimed: true, task, again } : { claimed: false, why: "taken" };
}
