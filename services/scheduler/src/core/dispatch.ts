/** When a task's current attempt is handed to its pool, and when a dispatch may have been lost. Pure. */
import { currentAttempt, type TaskRecord } from "@trainyard/common";

/** dispatchDue's answer: due now for `attempt`, or not (yet: due `at`). */
export type DispatchDue = { due: true; attempt: number } | { due: false; at?: number };

/**
 * Is the task's dispatch old enough that, if its message has left the work queue (acked by an
 * agent that then did not run it), it should be dispatched again? Returns the message's
 * stream sequence to look up. Pure.
 */
export function dispatchToVerify(task: TaskRecord, now: number, minAgeMs: number): number | null {
  if (task.state !== "PENDING") return null;
  const a = currentAttempt(task);
  // A claimed attempt's node has it (the lease reconciler judges that node).
  if (a.nodeId !== undefined || a.dispatchTime === undefined || a.dispatchSeq === undefined || now - a.dispatchTime < minAgeMs) return null;
  return a.dispatchSeq;
}

/**
 * Is the task's current attempt ready to be handed to its pool? Pure.
 * PENDING, placed on a node (by the placer), not yet dispatched, and its retry delay has passed.
 * Returns the time it becomes due when that is still in the future.
 */
export function dispatchDue(task: TaskRecord, now: number): DispatchDue {
  if (task.state !== "PENDING") return { due: false };
  const a = currentAttempt(task);
  if (a.state !== "PENDING" || a.dispatchTime !== undefined || a.placedOn === undefined || a.nodeId !== undefined) return { due: false };
  if (a.notBefore > now) return { due: false, at: a.notBefore };
  return { due: true, attempt: a.number };
}
