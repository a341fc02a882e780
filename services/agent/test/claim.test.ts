/** Does the record still want this attempt run? (claim.ts wantsAttempt) */
import { describe, expect, it } from "vitest";
import type { TaskRecord } from "@trainyard/common";
import { wantsAttempt } from "../src/claim.js";
import { task } from "./fixtures.js";

const cancel = { reason: "by user", time: 1 };

describe("wantsAttempt (a dispatch message for attempt 2)", () => {
  it.each<[string, TaskRecord, boolean]>([
    ["PENDING, attempt 2 current and pending: wanted", task("PENDING", 2), true],
    ["PENDING, attempt 2 dispatched: wanted", { ...task("PENDING", 2), attempts: [...task("PENDING", 2).attempts.slice(0, -1), { number: 2, state: "PENDING", notBefore: 0, dispatchTime: 5 }] }, true],
    ["PENDING on attempt 1 (a stale record): not wanted", task("PENDING", 1), false],
    ["PENDING on attempt 3 (a redelivered old dispatch): not wanted", task("PENDING", 3), false],
    ["RUNNING attempt 2 (claimed already): not wanted", task("RUNNING", 2), false],
    ["PENDING task whose attempt 2 is RUNNING: not wanted", { ...task("PENDING", 2), attempts: [...task("PENDING", 2).attempts.slice(0, -1), { number: 2, state: "RUNNING", notBefore: 0 }] }, false],
    ["PENDING with a cancel request: not wanted", task("PENDING", 2, { cancel }), false],
    ["SUCCEEDED: not wanted", task("SUCCEEDED", 2), false],
    ["FAILED: not wanted", task("FAILED", 2), false],
    ["CANCELLED: not wanted", task("CANCELLED", 2, { cancel }), false],
  ])("%s", (_, t, expected) => {
    expect(wantsAttempt(t, 2)).toBe(expected);
  });
});
