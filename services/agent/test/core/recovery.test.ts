/** Which containers an agent keeps, re-attaches or removes (core/recovery.ts), as tables. */
import { describe, expect, it } from "vitest";
import type { TaskRecord } from "@trainyard/common";
import { containerAttempt, holdsAttempt, orphanedContainers } from "../../src/core/recovery.js";
import type { ContainerSummary } from "../../src/runtime/container-runtime.js";
import { task } from "../fixtures.js";

const ME = "n1";
const onNode = (t: TaskRecord, nodeId: string): TaskRecord => ({ ...t, attempts: [...t.attempts.slice(0, -1), { ...t.attempts.at(-1)!, nodeId }] });
const cancel = { reason: "stop", time: 1 };

describe("holdsAttempt (attempt 2 found running on this node)", () => {
  it.each<[string, TaskRecord | null, string | null, boolean]>([
    ["record says this node: held", onNode(task("RUNNING", 2), ME), null, true],
    ["record says this node, the claim another (the record wins): held", onNode(task("RUNNING", 2), ME), "n2", true],
    ["record says another node: not held", onNode(task("RUNNING", 2), "n2"), ME, false],
    ["no node on the record yet, claimed by this node: held", task("PENDING", 2), ME, true],
    ["no node on the record yet, claimed by another: not held", task("PENDING", 2), "n2", false],
    ["no node on the record yet, no claim: not held", task("PENDING", 2), null, false],
    ["a cancel was asked meanwhile: still held (the runner stops it and reports)", onNode(task("RUNNING", 2, { cancel }), ME), null, true],
    ["a newer attempt is current: not held", onNode(task("RUNNING", 3), ME), ME, false],
    ["the task is final: not held", onNode(task("SUCCEEDED", 2), ME), ME, false],
    ["the record is gone: not held", null, ME, false],
  ])("%s", (_, t, claimHolder, expected) => {
    expect(holdsAttempt(t, 2, ME, claimHolder)).toBe(expected);
  });
});

const container = (id: string, labels: Record<string, string>): ContainerSummary => ({ id, labels, state: "running" });

describe("orphanedContainers", () => {
  const a = container("a", { "trainyard.task": "t-1", "trainyard.attempt": "1" });
  const b = container("b", { "trainyard.task": "t-1", "trainyard.attempt": "2" });
  const c = container("c", { "trainyard.task": "t-2", "trainyard.attempt": "1" });
  const unlabelled = container("d", {});

  it.each<[string, ContainerSummary[], string[], string[]]>([
    ["every container held: none", [a, c], ["t-1.1", "t-2.1"], []],
    ["an older attempt of a held task: orphaned", [a, b], ["t-1.2"], ["a"]],
    ["nothing held: all", [a, b, c], [], ["a", "b", "c"]],
    ["a container without labels: orphaned", [unlabelled, a], ["t-1.1"], ["d"]],
    ["held attempts without a container: nothing to do", [], ["t-9.1"], []],
  ])("%s", (_, listed, held, expected) => {
    expect(orphanedContainers(listed, new Set(held)).map((x) => x.id)).toEqual(expected);
  });

  it("reads the attempt from the labels", () => {
    expect(containerAttempt(b)).toEqual({ taskId: "t-1", attempt: 2, gpuIds: [] });
    expect(containerAttempt({ ...b, labels: { ...b.labels, "trainyard.gpus": "1,3" } })).toEqual({ taskId: "t-1", attempt: 2, gpuIds: ["1", "3"] });
    expect(containerAttempt(unlabelled)).toEqual({ taskId: "", attempt: NaN, gpuIds: [] });
  });
});
