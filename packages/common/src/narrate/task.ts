/**
 * The words for what the scheduler decides about a task: its `message`, the SYSTEM lines it
 * writes, its history entries. Pure; called by the scheduler's core (transition, history).
 */
import { formatDuration } from "../duration.js";
import type { LeaseLapse, Outcome, RetryDecision } from "../model/facts.js";
import { lapseText, outcomeWords } from "./attempt.js";

export const taskWords = {
  submitted: (image: string) => `submitted: ${image}`,
  waiting: (pool: string) => `waiting for an agent in pool ${pool}`,
  dispatched: (pool: string, nodeId?: string) => (nodeId ? `dispatched to node ${nodeId}` : `dispatched to pool ${pool}`),
  dispatchLost: (attempt: number) => `dispatch of attempt ${attempt} was taken but not run; dispatching it again`,
  claimed: (nodeId: string) => `claimed by node ${nodeId}`,
  placed: (nodeId: string, gpuIds: readonly string[]) => `placed on node ${nodeId}${gpuIds.length ? ` (GPU ${gpuIds.join(",")})` : ""}`,
  unplaced: (attempt: number, why: string) => `attempt ${attempt} taken back from its node (${why}); placing it again`,
  preempting: (forTaskId: string, attempt: number) => `preempting attempt ${attempt} for task ${forTaskId} (higher priority)`,
  drainStop: (nodeId: string) => `node ${nodeId} drained past its deadline: stopping the task`,
  preparing: (nodeId: string) => `preparing on node ${nodeId}`,
  started: (containerId: string) => `container ${containerId.slice(0, 12)} started`,
  running: (nodeId: string) => `running on node ${nodeId}`,
  succeeded: () => "succeeded",
  cancelled: (reason: string) => (reason ? `cancelled: ${reason}` : "cancelled"),
  cancelledWhilePending: (reason: string) => `${taskWords.cancelled(reason)} (while pending)`,
  cancelling: (reason: string) => `cancelling${reason ? `: ${reason}` : ""}`,
  cancelRequested: (reason: string) => `cancel requested${reason ? `: ${reason}` : ""}`,
  dependenciesMet: () => "dependencies met: waiting for room",
  dependencyFailed: (why: string) => `cancelled: ${why}`,
  /** The fencing line: frames of the attempt stored after it are not shown. */
  attemptLost: (attempt: number, lapse: LeaseLapse) => `attempt ${attempt} lost: ${lapseText(lapse)}; its later output is not shown`,
};

/** The retry decision as the log and the task's message show it: "attempt 2 of 4 in 7.5s after exit code 3". */
export function retryText(d: RetryDecision, o: Outcome): string {
  const why = outcomeWords(o);
  if (d.retry) {
    const after = `in ${formatDuration(d.delayMs)} after ${why}`;
    return d.retryClass === "task"
      ? `attempt ${d.nextAttempt} of ${d.of} ${after}`
      : `attempt ${d.nextAttempt} ${after} (infrastructure retry ${d.infraUsed} of ${d.maxInfra}; max_retries untouched)`;
  }
  switch (d.why) {
    case "cancelled":
      return `attempt ${d.failed} ${why}`;
    case "not-retryable":
      return `failed: ${why} (not retryable)`;
    case "timeout-not-retried":
      return `failed: ${why} (timeouts are not retried; see retry_on_timeout)`;
    case "retries-used":
      return `failed after ${d.failed === 1 ? "1 attempt (no retries)" : `${d.failed} attempts`}: ${why}`;
    case "infra-retries-used":
      return `failed after ${d.failed} attempts: ${why} (${d.maxInfra} infrastructure retries used)`;
  }
}
