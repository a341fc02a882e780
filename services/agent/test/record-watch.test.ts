/** When a running attempt must stop, from the task record (runner/record-watch.ts stopCauseFor). */
import { describe, expect, it } from "vitest";
import type { TaskRecord } from "@trainyard/common";
import { stopCauseFor } from "../src/runner/record-watch.js";
import type { StopCause } from "../src/runner/classify.js";
import { task } from "./fixtures.js";

const cancel = { reason: "by user", time: 1 };

describe("stopCauseFor (this node runs attempt 2)", () => {
  it.each<[string, TaskRecord, StopCause | null]>([
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
  ])("%s", (_, t, expected) => {
    expect(stopCauseFor(t, 2)).toEqual(expected);
  });
});
