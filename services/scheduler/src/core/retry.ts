import { formatDuration, type Outcome, type TaskSpec } from "@trainyard/common";
import { describeOutcome } from "./describe.js";

/**
 * The retry policy as data: may a failed attempt be followed by another, and when?
 * Pure. Every failure reason is retried except CANCELLED, while attempts remain
 * (1 + max_retries in all), after the policy's fixed delay.
 */
export type RetryDecision =
  | { retry: true; nextAttempt: number; delayMs: number; text: string }
  | { retry: false; text: string };

export function decideRetry(spec: TaskSpec, attemptNumber: number, outcome: Outcome): RetryDecision {
  const total = 1 + spec.retry.maxRetries;
  const why = describeOutcome(outcome);
  if (outcome.failureReason === "CANCELLED") return { retry: false, text: `attempt ${attemptNumber} ${why}` };
  if (attemptNumber >= total) {
    const tries = total === 1 ? "1 attempt (no retries)" : `${total} attempts`;
    return { retry: false, text: `failed after ${tries}: ${why}` };
  }
  const delayMs = spec.retry.delayMs;
  return {
    retry: true,
    nextAttempt: attemptNumber + 1,
    delayMs,
    text: `attempt ${attemptNumber + 1} of ${total} in ${formatDuration(delayMs)} after ${why}`,
  };
}
