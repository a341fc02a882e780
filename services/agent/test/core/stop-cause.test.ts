/** What the record says about an attempt (core/stop-cause.ts): may it be claimed, must it stop? */
import { describe, expect, it } from "vitest";
import type { TaskRecord } from "@trainyard/common";
import type { StopCause } from "../../src/core/classify.js";
import { stopCauseFor, wantsAttempt } from "../../src/core/stop-cause.js";
import { task } from "../fixtures.js";

const cancel = { reason: "by user", time: 1 };

/** The task with its attempt 2 placed on node "n1". */
const placedHere = (t: TaskRecord): TaskRecord => ({ ...t, attempts: t.attempts.map((a) => (a.number === 2 ? { ...a, placedOn: "n1" } : a)) });

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
    expect(wantsAttempt(placedHere(t), 2, "n1")).toBe(expected);
  });

  it("not an attempt placed on another node, nor one not placed", () => {
    expect(wantsAttempt(placedHere(task("PENDING", 2)), 2, "n2")).toBe(false);
    expect(wantsAttempt(task("PENDING", 2), 2, "n1")).toBe(false);
  });
});

describe("stopCauseFor (this node runs attempt 2)", () => {
  it.each<[string, TaskRecord | null, StopCause | null]>([
    ["RUNNING on attempt 2: keep running", task("RUNNING", 2), null],
    ["PENDING on attempt 2 (claim not yet recorded): keep running", task("PENDING", 2), null],
    ["RUNNING on attempt 2 with a cancel request: cancel with its reason", task("RUNNING", 2, { cancel }), { kind: "cancel", reason: "by user" }],
    ["cancel request without a reason", task("RUNNING", 2, { cancel: { reason: "", time: 1 } }), { kind: "cancel", reason: "" }],
    ["RUNNING on attempt 3: superseded", task("RUNNING", 3), { kind: "superseded" }],
    ["PENDING on attempt 3 (a retry was scheduled): superseded", task("PENDING", 3), { kind: "superseded" }],
    ["still on attempt 1 (record older than the dispatch): superseded", task("PENDING", 1), { kind: "superseded" }],
    ["SUCCEEDED: superseded", task("SUCCEEDED", 2), { kind: "superseded" }],
    ["FAILED: superseded", task("FAILED", 2), { kind: "superseded" }],
    ["CANCELLED while this attempt was current: superseded", task("CANCELLED", 2, { cancel }), { kind: "superseded" }],
    ["a cancel request for a newer attempt: superseded, not cancel", task("RUNNING", 3, { cancel }), { kind: "superseded" }],
    ["the record is gone: superseded", null, { kind: "superseded" }],
    ["preempted for another task: stop, saying for which", task("RUNNING", 2, { stop: { attempt: 2, time: 1, kind: "preempted", forTaskId: "t-big" } }), { kind: "preempted", forTaskId: "t-big" }],
    ["its node drained past the deadline: stop", task("RUNNING", 2, { stop: { attempt: 2, time: 1, kind: "drain" } }), { kind: "drain" }],
    ["a stop request of an earlier attempt: keep running", task("RUNNING", 2, { stop: { attempt: 1, time: 1, kind: "drain" } }), null],
  ])("%s", (_, t, expected) => {
    expect(stopCauseFor(t, 2)).toEqual(expected);
  });
});
