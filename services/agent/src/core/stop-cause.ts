/**
 * What the task record says about an attempt this node holds or is offered. Pure.
 * The scheduler decides; the agent obeys what the record says:
 *   - wantsAttempt: a dispatch for `attempt` may be claimed (it is current, still PENDING, placed here);
 *   - stopCauseFor: a running attempt must stop (cancel requested, preempted, its node's drain
 *     deadline passed, or the record moved on).
 */
import { currentAttempt, isFinal, type TaskRecord } from "@trainyard/common";
import type { StopCause } from "./classify.js";

/** Is `attempt` the current, still pending attempt of a task that is not cancelled, placed on `nodeId`? */
export function wantsAttempt(task: TaskRecord, attempt: number, nodeId: string): boolean {
  const cur = currentAttempt(task);
  return task.state === "PENDING" && cur.number === attempt && cur.state === "PENDING" && !task.cancel && cur.placedOn === nodeId;
}

/**
 * Why this node's running `attempt` must stop, or null while it may run on. A record that is
 * gone (null) supersedes the attempt, as does a final task or a newer current attempt.
 */
export function stopCauseFor(task: TaskRecord | null, attempt: number): StopCause | null {
  if (!task || isFinal(task.state) || currentAttempt(task).number !== attempt) return { kind: "superseded" };
  if (task.cancel) return { kind: "cancel", reason: task.cancel.reason };
  if (task.stop?.attempt === attempt) return task.stop.kind === "preempted" ? { kind: "preempted", forTaskId: task.stop.forTaskId } : { kind: "drain" };
  return null;
}
