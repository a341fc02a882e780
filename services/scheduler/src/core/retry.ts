/**
 * The retry policy as data: after a failed attempt, is there another, and when? Pure.
 *
 * Failures are classed: the task's own (exit code, OOM kill, timeout) spend max_retries; the
 * infrastructure's (node lost or drained, container error, a pull failure that may pass) spend
 * max_infrastructure_retries; a cancel, a permanent pull failure, a mount the agent refused,
 * a non-retryable exit code and (unless retry_on_timeout) a timeout end the task. The delay grows by backoff_multiplier per
 * attempt, capped by max_delay; above a multiplier of 1 up to 20% jitter is added, derived from
 * the task id and attempt so every replica computes the same. The decision is data; its words
 * are narrate's retryText.
 */
import type { Attempt, Outcome, RetryClass, RetryDecision, TaskSpec } from "@trainyard/common";

export const DEFAULT_MAX_INFRA_RETRIES = 5;

export function retryClassOf(o: Outcome): RetryClass | null {
  switch (o.failureReason) {
    case "EXIT_CODE":
    case "OOM_KILLED":
    case "TIMEOUT":
      return "task";
    case "NODE_LOST":
    case "PREEMPTED":
      return "infra";
    case "CONTAINER_ERROR":
      // A mount the agent refused is refused on every attempt.
      return o.end.kind === "mount-refused" ? null : "infra";
    case "IMAGE_UNAVAILABLE":
      return o.end.kind === "image-unavailable" && !o.end.permanent ? "infra" : null;
    default:
      return null;
  }
}

/**
 * @param earlier the task's attempts before the one that just failed (their retryClass counts)
 */
export function decideRetry(taskId: string, spec: TaskSpec, failed: number, earlier: Attempt[], outcome: Outcome): RetryDecision {
  const p = spec.retry;
  const cls = retryClassOf(outcome);
  if (outcome.failureReason === "CANCELLED") return { retry: false, failed, why: "cancelled" };
  if (cls === null) return { retry: false, failed, why: "not-retryable" };
  if (outcome.failureReason === "EXIT_CODE" && p.nonRetryableExitCodes?.includes(outcome.exitCode)) {
    return { retry: false, failed, retryClass: cls, why: "not-retryable" };
  }
  if (outcome.failureReason === "TIMEOUT" && !p.retryOnTimeout) return { retry: false, failed, retryClass: cls, why: "timeout-not-retried" };
  const taskUsed = earlier.filter((a) => a.retryClass === "task").length + (cls === "task" ? 1 : 0);
  const infraUsed = earlier.filter((a) => a.retryClass === "infra").length + (cls === "infra" ? 1 : 0);
  const maxInfra = p.maxInfraRetries ?? DEFAULT_MAX_INFRA_RETRIES;
  if (cls === "task" && taskUsed > p.maxRetries) return { retry: false, failed, retryClass: cls, why: "retries-used" };
  if (cls === "infra" && infraUsed > maxInfra) return { retry: false, failed, retryClass: cls, why: "infra-retries-used", maxInfra };
  const delayMs = retryDelay(p, failed, jitter(taskId, failed));
  const next = { failed, nextAttempt: failed + 1, delayMs };
  return cls === "task"
    ? { retry: true, ...next, retryClass: cls, of: 1 + p.maxRetries + infraUsed }
    : { retry: true, ...next, retryClass: cls, infraUsed, maxInfra };
}

/** delay × multiplier^(failed-1), plus jitter (0..1 × 20%) when backing off, capped by max_delay. */
export function retryDelay(p: TaskSpec["retry"], failed: number, jitterFraction: number): number {
  const m = p.backoffMultiplier && p.backoffMultiplier > 1 ? p.backoffMultiplier : 1;
  let d = p.delayMs * m ** (failed - 1);
  if (m > 1) d *= 1 + 0.2 * jitterFraction;
  if (p.maxDelayMs && p.maxDelayMs > 0) d = Math.min(d, p.maxDelayMs);
  return Math.round(d);
}

/** A fraction in [0, 1) fixed by task and attempt (FNV-1a): the same on every replica and retry of a decision. */
export function jitter(taskId: string, attempt: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${taskId}:${attempt}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}
