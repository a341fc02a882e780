/** What the scheduler accepts off the EVENTS stream (model/messages.ts parseAgentEvent): facts of known kinds only. */
import { describe, expect, it } from "vitest";
import { parseAgentEvent, parseDispatch } from "../../src/model/messages.js";

const base = { taskId: "t-1", attempt: 1, nodeId: "n1", time: 1_000 };
const exited = { kind: "exited", exitCode: 3, oomKilled: false };

describe("parseAgentEvent", () => {
  it.each<[string, unknown]>([
    ["claimed", { ...base, type: "claimed" }],
    ["claimed with its devices", { ...base, type: "claimed", gpuIds: ["0", "GPU-1f2e"] }],
    ["finished preempted", { ...base, type: "finished", outcome: { exitCode: 143, failureReason: "PREEMPTED", end: { kind: "stopped", cause: { kind: "preempted", forTaskId: "t-2" }, exitCode: 143 } } }],
    ["started", { ...base, type: "started", containerId: "c1" }],
    ["a pull's progress", { ...base, type: "progress", note: { kind: "pulling", image: "busybox" } }],
    ["a stop begun", { ...base, type: "note", note: { kind: "stopping", cause: { kind: "timeout", afterMs: 30_000 } } }],
    ["finished with an exit", { ...base, type: "finished", outcome: { exitCode: 3, failureReason: "EXIT_CODE", end: exited } }],
    ["finished by a stop", { ...base, type: "finished", outcome: { exitCode: 143, failureReason: "CANCELLED", end: { kind: "stopped", cause: { kind: "cancel", reason: "" }, exitCode: 143 } } }],
    ["succeeded (no failure reason)", { ...base, type: "finished", outcome: { exitCode: 0, end: { ...exited, exitCode: 0 } } }],
  ])("takes %s", (_, e) => {
    expect(parseAgentEvent(e)).toEqual(e);
  });

  it.each<[string, unknown]>([
    ["not an object", "finished"],
    ["an unknown type", { ...base, type: "exploded" }],
    ["no attempt", { ...base, attempt: undefined, type: "claimed" }],
    ["a time that is not a number", { ...base, time: "now", type: "claimed" }],
    ["claimed with devices that are not strings", { ...base, type: "claimed", gpuIds: [0] }],
    ["claimed with devices that are not a list", { ...base, type: "claimed", gpuIds: "0,1" }],
    ["started without a container", { ...base, type: "started" }],
    ["a note in words (the old shape)", { ...base, type: "note", message: "pulled image busybox in 1s" }],
    ["a note of an unknown kind", { ...base, type: "note", note: { kind: "sang" } }],
    ["a stop begun without its cause", { ...base, type: "note", note: { kind: "stopping" } }],
    ["an outcome in words (the old shape)", { ...base, type: "finished", outcome: { exitCode: 3, failureReason: "EXIT_CODE", message: "exit code 3" } }],
    ["an end of an unknown kind", { ...base, type: "finished", outcome: { exitCode: 3, end: { kind: "vanished" } } }],
    ["a stopped end without its cause", { ...base, type: "finished", outcome: { exitCode: 143, failureReason: "CANCELLED", end: { kind: "stopped", exitCode: 143 } } }],
    ["a node-lost end without its lapse", { ...base, type: "finished", outcome: { exitCode: -1, failureReason: "NODE_LOST", end: { kind: "node-lost" } } }],
    ["an unknown failure reason", { ...base, type: "finished", outcome: { exitCode: 3, failureReason: "BAD_LUCK", end: exited } }],
  ])("refuses %s", (_, e) => {
    expect(parseAgentEvent(e)).toBeNull();
  });
});

describe("parseDispatch", () => {
  it("takes a task id and an attempt, and nothing else", () => {
    expect(parseDispatch({ taskId: "t-1", attempt: 2, extra: true })).toEqual({ taskId: "t-1", attempt: 2 });
    expect(parseDispatch({ taskId: "t-1" })).toBeNull();
    expect(parseDispatch(null)).toBeNull();
  });
});
