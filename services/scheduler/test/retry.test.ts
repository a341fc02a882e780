/** The retry policy (core/retry.ts): which failures are retried, how many times, after what delay. */
import { describe, expect, it } from "vitest";
import type { FailureReason } from "@trainyard/common";
import { decideRetry } from "../src/core/retry.js";
import { outcome, outcomes, spec } from "./fixtures.js";

const s = spec({ retry: { maxRetries: 3, delayMs: 5_000 } });

describe("decideRetry", () => {
  it.each([
    [1, { retry: true, nextAttempt: 2, delayMs: 5_000, text: "attempt 2 of 4 in 5s after exit code 3" }],
    [2, { retry: true, nextAttempt: 3, delayMs: 5_000, text: "attempt 3 of 4 in 5s after exit code 3" }],
    [3, { retry: true, nextAttempt: 4, delayMs: 5_000, text: "attempt 4 of 4 in 5s after exit code 3" }],
    [4, { retry: false, text: "failed after 4 attempts: exit code 3" }],
    [5, { retry: false, text: "failed after 4 attempts: exit code 3" }],
  ])("max_retries 3, attempt %i fails with exit code 3 → %o", (n, decision) => {
    expect(decideRetry(s, n, outcomes.EXIT_CODE)).toEqual(decision);
  });

  const retried: [FailureReason, string][] = [
    ["EXIT_CODE", "exit code 1"],
    ["OOM_KILLED", "OOM killed (out of memory)"],
    ["TIMEOUT", "boom"],
    ["NODE_LOST", "node lost"],
    ["IMAGE_UNAVAILABLE", "image unavailable: boom"],
    ["CONTAINER_ERROR", "container error: boom"],
  ];
  it.each(retried)("%s is retried, described as %j", (reason, why) => {
    expect(decideRetry(s, 1, outcome(reason))).toEqual({ retry: true, nextAttempt: 2, delayMs: 5_000, text: `attempt 2 of 4 in 5s after ${why}` });
  });

  it("a TIMEOUT without a message is described as timeout", () => {
    expect(decideRetry(s, 1, outcome("TIMEOUT", 137, "")).text).toBe("attempt 2 of 4 in 5s after timeout");
  });

  it.each([1, 4])("CANCELLED is never retried (attempt %i)", (n) => {
    expect(decideRetry(s, n, outcome("CANCELLED"))).toEqual({ retry: false, text: `attempt ${n} cancelled` });
  });

  it("max_retries 0 allows exactly one attempt", () => {
    expect(decideRetry(spec({ retry: { maxRetries: 0, delayMs: 5_000 } }), 1, outcomes.EXIT_CODE)).toEqual({
      retry: false,
      text: "failed after 1 attempt (no retries): exit code 3",
    });
  });

  it.each([
    [0, "0ms"],
    [250, "250ms"],
    [1_500, "1.5s"],
    [90_000, "1m30s"],
    [3_600_000, "1h"],
  ])("the delay %i ms is used as is and written as %s", (delayMs, text) => {
    const d = decideRetry(spec({ retry: { maxRetries: 1, delayMs } }), 1, outcomes.EXIT_CODE);
    expect(d).toEqual({ retry: true, nextAttempt: 2, delayMs, text: `attempt 2 of 2 in ${text} after exit code 3` });
  });
});
