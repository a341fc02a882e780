/** Dependencies: the judgement (core/dependencies.ts), its two inputs (transition), the spec's checks, placement leaving waiting tasks out. */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { DependencyCondition, SubmitRequestSchema } from "@trainyard/client";
import { InvalidArgumentError, type Dependency, type TaskState } from "@trainyard/common";
import { judge, waitingText } from "../src/core/dependencies.js";
import { buildSnapshot } from "../src/core/placement/snapshot.js";
import { validateSubmit } from "../src/core/spec.js";
import { transition } from "../src/core/transition.js";
import { record, spec, states } from "./fixtures.js";

const dep = (taskId: string, condition: Dependency["condition"] = "SUCCEEDED"): Dependency => ({ taskId, condition });

describe("judge", () => {
  const states_: Record<string, TaskState> = { ok: "SUCCEEDED", bad: "FAILED", off: "CANCELLED", run: "RUNNING", wait: "PENDING" };
  const stateOf = (id: string) => states_[id];
  it.each([
    [[dep("ok")], "met"],
    [[dep("ok", "FINISHED"), dep("bad", "FINISHED"), dep("off", "FINISHED")], "met"],
    [[dep("bad", "FAILED")], "met"],
    [[dep("ok"), dep("run")], "wait"],
    [[dep("wait", "FAILED")], "wait"],
    [[dep("bad")], "never"],
    [[dep("off")], "never"],
    [[dep("ok", "FAILED")], "never"],
    [[dep("off", "FAILED")], "never"],
    [[dep("run"), dep("bad")], "never"],
    [[dep("gone", "FINISHED")], "never"],
  ] as const)("%j → %s", (deps, kind) => expect(judge(deps, stateOf).kind).toBe(kind));

  it("says whom it waits for, and why it never can", () => {
    expect(judge([dep("ok"), dep("run"), dep("wait", "FINISHED")], stateOf)).toEqual({ kind: "wait", on: [dep("run"), dep("wait", "FINISHED")] });
    expect(waitingText([dep("run"), dep("wait", "FINISHED")])).toBe("waiting for run to succeed, wait to finish");
    expect(waitingText(["a", "b", "c", "d", "e"].map((id) => dep(id)))).toBe("waiting for a to succeed, b to succeed, c to succeed and 2 more");
    expect(judge([dep("bad")], stateOf)).toEqual({ kind: "never", why: "dependency bad ended FAILED; this task needed it to succeed" });
    expect(judge([dep("gone")], stateOf)).toEqual({ kind: "never", why: "dependency gone no longer exists" });
  });
});

describe("deps-met and dependency-failed", () => {
  const child = () => record({ id: "t-child" }, spec({ dependsOn: [dep("t-parent")] }));
  it("deps-met releases a waiting task once; dependency-failed cancels it with DEPENDENCY_FAILED", () => {
    const met = transition(child(), { type: "deps-met", taskId: "t-child", time: 7 });
    expect(met.changed).toBe(true);
    expect(met.task).toMatchObject({ state: "PENDING", depsMet: 7, message: "waiting for an agent in pool default" });
    expect(met.lines).toEqual([{ attempt: 1, text: "dependencies met: waiting for room" }]);
    expect(transition(met.task, { type: "deps-met", taskId: "t-child", time: 8 }).changed).toBe(false);
    expect(transition(met.task, { type: "dependency-failed", taskId: "t-child", why: "x", time: 8 }).changed).toBe(false);

    const failed = transition(child(), { type: "dependency-failed", taskId: "t-child", why: "dependency t-parent ended FAILED", time: 9 });
    expect(failed.task).toMatchObject({ state: "CANCELLED", failureReason: "DEPENDENCY_FAILED", endTime: 9, message: "cancelled: dependency t-parent ended FAILED" });
    expect(failed.task.attempts[0]).toMatchObject({ state: "CANCELLED", failureReason: "DEPENDENCY_FAILED" });
    expect(failed.task.history!.at(-1)).toMatchObject({ type: "cancelled" });
  });
  it("changes nothing for a task without dependencies, or one already running or final", () => {
    expect(transition(record(), { type: "deps-met", taskId: "t", time: 1 }).changed).toBe(false);
    expect(transition(states["RUNNING started"](spec({ dependsOn: [dep("p")] })), { type: "dependency-failed", taskId: "t", why: "x", time: 1 }).changed).toBe(false);
  });
});

describe("validateSubmit: depends_on", () => {
  const req = (dependsOn: { taskId: string; condition?: DependencyCondition }[]) => create(SubmitRequestSchema, { spec: { image: "busybox", dependsOn } });
  it("keeps each parent with its condition (unspecified: SUCCEEDED)", () => {
    const { spec: s } = validateSubmit(req([{ taskId: "t-a" }, { taskId: "t-b", condition: DependencyCondition.FINISHED }, { taskId: "t-c", condition: DependencyCondition.FAILED }]));
    expect(s.dependsOn).toEqual([dep("t-a"), dep("t-b", "FINISHED"), dep("t-c", "FAILED")]);
    expect(validateSubmit(req([])).spec.dependsOn).toBeUndefined();
  });
  it.each([
    [[{ taskId: "" }], "spec.depends_on[0].task_id"],
    [[{ taskId: "t-a" }, { taskId: "bad id" }], "spec.depends_on[1].task_id"],
    [[{ taskId: "t-a" }, { taskId: "t-a" }], "spec.depends_on[1].task_id"],
    [[{ taskId: "t-a", condition: 7 as DependencyCondition }], "spec.depends_on[0].condition"],
    [Array.from({ length: 33 }, (_, i) => ({ taskId: `t-${i}` })), "spec.depends_on"],
  ])("%j is INVALID_ARGUMENT naming %s", (deps, field) => {
    expect(() => validateSubmit(req(deps))).toThrow(InvalidArgumentError);
    expect(() => validateSubmit(req(deps))).toThrow(field);
  });
});

it("placement leaves a task out until its dependencies held", () => {
  const waiting = record({ id: "t-w" }, spec({ dependsOn: [dep("p")] }));
  const released = { ...waiting, id: "t-r", depsMet: 5 };
  const { snapshot } = buildSnapshot([waiting, released], [], {}, 10_000);
  expect(snapshot.pending.map((p) => p.taskId)).toEqual(["t-r"]);
});
