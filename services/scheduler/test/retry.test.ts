/** The retry policy (core/retry.ts): budgets per class of failure, backoff, jitter, caps, and (narrate's retryText) the words. */
import { describe, expect, it } from "vitest";
import { retryText, type Attempt, type Outcome, type RetryClass, type TaskSpec } from "@trainyard/common";
import { decideRetry, jitter, retryClassOf, retryDelay } from "../src/core/retry.js";
import { outcome, spec } from "./fixtures.js";

const policy = (retry: Partial<TaskSpec["retry"]> = {}): TaskSpec => spec({ retry: { maxRetries: 3, delayMs: 5_000, ...retry } });
const failedBefore = (...classes: RetryClass[]): Attempt[] =>
  classes.map((retryClass, i) => ({ number: i + 1, state: "FAILED", notBefore: 0, retryClass }));
/** The decision, with its words as `text`. */
const decide = (s: TaskSpec, o: Outcome, earlier: Attempt[] = []) => {
  const d = decideRetry("t-1", s, earlier.length + 1, earlier, o);
  return { ...d, text: retryText(d, o) };
};

describe("retryClassOf", () => {
  it.each<[string, Outcome, RetryClass | null]>([
    ["exit code", outcome("EXIT_CODE", 3), "task"],
    ["OOM kill", outcome("OOM_KILLED", 137), "task"],
    ["timeout", outcome("TIMEOUT", 137), "task"],
    ["node lost", outcome("NODE_LOST", -1), "infra"],
    ["container error", outcome("CONTAINER_ERROR", -1), "infra"],
    ["a mount the agent refused", { ...outcome("CONTAINER_ERROR", -1), end: { kind: "mount-refused", error: "no" } }, null],
    ["transient pull failure", outcome("IMAGE_UNAVAILABLE", -1, "connection refused", true), "infra"],
    ["permanent pull failure", outcome("IMAGE_UNAVAILABLE", -1), null],
    ["cancel", outcome("CANCELLED", 143), null],
  ])("%s → %s", (_, o, cls) => {
    expect(retryClassOf(o)).toBe(cls);
  });
});

describe("decideRetry", () => {
  it("retries the task's failures while max_retries lasts, then fails", () => {
    const s = policy({ maxRetries: 2 });
    expect(decide(s, outcome("EXIT_CODE", 3))).toMatchObject({ retry: true, nextAttempt: 2, text: "attempt 2 of 3 in 5s after exit code 3" });
    expect(decide(s, outcome("EXIT_CODE", 3), failedBefore("task"))).toMatchObject({ retry: true, nextAttempt: 3 });
    expect(decide(s, outcome("EXIT_CODE", 3), failedBefore("task", "task"))).toEqual({
      retry: false,
      failed: 3,
      retryClass: "task",
      why: "retries-used",
      text: "failed after 3 attempts: exit code 3",
    });
  });

  it("max_retries 0 allows exactly one attempt", () => {
    expect(decide(policy({ maxRetries: 0 }), outcome("EXIT_CODE", 1))).toEqual({
      retry: false,
      failed: 1,
      retryClass: "task",
      why: "retries-used",
      text: "failed after 1 attempt (no retries): exit code 1",
    });
  });

  it("infrastructure failures do not spend max_retries, and have their own budget", () => {
    const s = policy({ maxRetries: 0, maxInfraRetries: 2 });
    const lost = outcome("NODE_LOST", -1);
    expect(decide(s, lost)).toMatchObject({ retry: true, retryClass: "infra", text: "attempt 2 in 5s after node lost (infrastructure retry 1 of 2; max_retries untouched)" });
    expect(decide(s, lost, failedBefore("infra"))).toMatchObject({ retry: true, nextAttempt: 3 });
    expect(decide(s, lost, failedBefore("infra", "infra"))).toMatchObject({ retry: false, text: "failed after 3 attempts: node lost (2 infrastructure retries used)" });
    // After two infrastructure failures, the task's own failure still has its max_retries.
    expect(decide(policy({ maxRetries: 1 }), outcome("EXIT_CODE", 3), failedBefore("infra", "infra"))).toMatchObject({
      retry: true,
      text: "attempt 4 of 4 in 5s after exit code 3",
    });
  });

  it("does not retry a timeout unless retry_on_timeout", () => {
    expect(decide(policy(), outcome("TIMEOUT", 137))).toMatchObject({
      retry: false,
      retryClass: "task",
      text: "failed: timeout 30s (timeouts are not retried; see retry_on_timeout)",
    });
    expect(decide(policy({ retryOnTimeout: true }), outcome("TIMEOUT", 137))).toMatchObject({
      retry: true,
      text: "attempt 2 of 4 in 5s after timeout 30s",
    });
  });

  it("never retries a non-retryable exit code, a permanent pull failure, or a cancel", () => {
    expect(decide(policy({ nonRetryableExitCodes: [2, 3] }), outcome("EXIT_CODE", 3))).toMatchObject({ retry: false, text: "failed: exit code 3 (not retryable)" });
    expect(decide(policy({ nonRetryableExitCodes: [2] }), outcome("EXIT_CODE", 3))).toMatchObject({ retry: true });
    expect(decide(policy(), outcome("IMAGE_UNAVAILABLE", -1, "manifest unknown"))).toMatchObject({ retry: false, text: "failed: image unavailable: manifest unknown (not retryable)" });
    expect(decide(policy(), outcome("IMAGE_UNAVAILABLE", -1, "connection refused", true))).toMatchObject({ retry: true, retryClass: "infra" });
    expect(decide(policy(), outcome("CANCELLED", 143))).toEqual({ retry: false, failed: 1, why: "cancelled", text: "attempt 1 cancelled" });
  });

  it("never retries a mount the agent refused (a permanent container error)", () => {
    const refused: Outcome = {
      exitCode: -1,
      failureReason: "CONTAINER_ERROR",
      end: { kind: "mount-refused", error: "mount spec.mounts[0]: host path /etc is not under TRAINYARD_ALLOWED_HOST_PATHS (/data)" },
    };
    expect(decide(policy(), refused)).toEqual({
      retry: false,
      failed: 1,
      why: "not-retryable",
      text: "failed: container error: mount spec.mounts[0]: host path /etc is not under TRAINYARD_ALLOWED_HOST_PATHS (/data) (not retryable)",
    });
    expect(decide(policy(), outcome("CONTAINER_ERROR", -1, "no such volume"))).toMatchObject({ retry: true, retryClass: "infra" });
  });

  it("backs off exponentially with jitter, capped by max_delay", () => {
    const s = policy({ maxRetries: 10, delayMs: 1_000, backoffMultiplier: 2, maxDelayMs: 6_000 });
    const delays = [1, 2, 3, 4, 5].map((n) => {
      const d = decideRetry("t-backoff", s, n, failedBefore(...Array<RetryClass>(n - 1).fill("task")), outcome("EXIT_CODE", 1));
      return d.retry ? d.delayMs : -1;
    });
    const base = [1_000, 2_000, 4_000, 8_000, 16_000];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(Math.min(base[i]!, 6_000));
      expect(d).toBeLessThanOrEqual(Math.min(base[i]! * 1.2, 6_000));
    });
    expect(delays.slice(3)).toEqual([6_000, 6_000]);
  });

  it("writes the decision the way the log shows it", () => {
    const o = outcome("EXIT_CODE", 3);
    const d = decideRetry("t-words", policy({ delayMs: 5_000, backoffMultiplier: 1.5 }), 2, failedBefore("task"), o);
    expect(d.retry && retryText(d, o)).toMatch(/^attempt 3 of 4 in (7\.5|7\.\d|8|8\.\d|9)s after exit code 3$/);
  });
});

describe("retryDelay and jitter", () => {
  it.each([0, 250, 1_500, 90_000])("a fixed delay of %i ms is used exactly", (ms) => {
    expect(retryDelay({ maxRetries: 3, delayMs: ms }, 4, 0.99)).toBe(ms);
  });

  it("jitter is a fraction in [0, 1), the same for the same task and attempt", () => {
    const j = jitter("t-1", 2);
    expect(j).toBeGreaterThanOrEqual(0);
    expect(j).toBeLessThan(1);
    expect(jitter("t-1", 2)).toBe(j);
    expect(jitter("t-1", 3)).not.toBe(j);
  });
});
