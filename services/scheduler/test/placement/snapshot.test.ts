/** What the placer sees (core/placement/snapshot.ts), and a waiting task's place in line as it is read (store/queue-positions.ts). */
import { describe, expect, it } from "vitest";
import type { NodeRecord, TaskRecord } from "@trainyard/common";
import { buildSnapshot, capacityOfNode } from "../../src/core/placement/snapshot.js";
import { QueuePositions } from "../../src/store/queue-positions.js";
import { TaskView } from "../../src/store/task-view.js";
import { record, spec } from "../fixtures.js";

const node = (id: string, patch: Partial<NodeRecord> = {}): NodeRecord => ({
  id,
  pools: ["default"],
  slots: 2,
  gpus: 0,
  leaseMs: 15_000,
  startTime: 0,
  heartbeatTime: 0,
  draining: false,
  running: [],
  ...patch,
});
const task = (id: string, patch: Partial<TaskRecord> = {}, attempt: Partial<TaskRecord["attempts"][number]> = {}): TaskRecord => {
  const r = record({ id, ...patch });
  return { ...r, attempts: [{ ...r.attempts[0]!, ...attempt }] };
};

describe("buildSnapshot", () => {
  it("pending, placed and running attempts; retries not yet due; placements on lost nodes taken back", () => {
    const tasks = [
      task("t-due", {}, { notBefore: 50 }),
      task("t-later", {}, { notBefore: 500 }),
      task("t-placed", {}, { placedOn: "a", gpuIds: ["0"] }),
      task("t-on-lost", {}, { placedOn: "gone" }),
      task("t-run", { state: "RUNNING", spec: spec({ preemptible: true, priority: 10 }) }, { state: "RUNNING", nodeId: "a", startTime: 7 }),
      task("t-stopping", { state: "RUNNING", spec: spec({ preemptible: true }), stop: { attempt: 1, time: 1, kind: "preempted", forTaskId: "t-due" } }, { state: "RUNNING", nodeId: "a" }),
      task("t-done", { state: "SUCCEEDED" }, { state: "SUCCEEDED", nodeId: "a" }),
    ];
    const nodes = [{ record: node("a", { gpuDevices: [{ id: "0" }, { id: "1" }] }), lost: false }, { record: node("gone"), lost: true }];
    const b = buildSnapshot(tasks, nodes, {}, 100);
    expect(b.snapshot.pending.map((p) => p.taskId)).toEqual(["t-due"]);
    expect(b.nextDue).toBe(500);
    expect(b.unplace).toEqual([{ taskId: "t-on-lost", attempt: 1, nodeId: "gone", why: "node gone lost" }]);
    const held = Object.fromEntries(b.snapshot.running.map((r) => [r.taskId, r]));
    expect(held["t-placed"]).toMatchObject({ nodeId: "a", gpuIds: ["0"], preemptible: false });
    expect(held["t-run"]).toMatchObject({ nodeId: "a", preemptible: true, priority: 10, startTime: 7 });
    expect(held["t-stopping"]).toMatchObject({ preemptible: false, preemptedFor: "t-due" });
    expect(held["t-done"]).toBeUndefined();
  });

  it("a node's capacity: devices by id (an old agent's count as 0..N-1), drained or lost ones take nothing new", () => {
    expect(capacityOfNode({ record: node("a", { gpus: 2 }), lost: false })).toMatchObject({ gpuIds: ["0", "1"], schedulable: true, networkModes: ["none"] });
    expect(capacityOfNode({ record: node("a", { draining: true }), lost: false }).schedulable).toBe(false);
    expect(capacityOfNode({ record: node("a"), lost: false, drain: { time: 1 } }).schedulable).toBe(false);
    expect(capacityOfNode({ record: node("a"), lost: true })).toMatchObject({ schedulable: false, lost: true });
  });
});

describe("QueuePositions", () => {
  it("adds the place in line (priority, then age) to a task waiting for room, as it is read", () => {
    const view = new TaskView();
    const now = { ms: 0 };
    const q = new QueuePositions(view, () => now.ms);
    const room = 'waiting for room in pool "default"';
    const old = task("t-old", { createTime: 1, message: room });
    const young = task("t-young", { createTime: 2, message: room });
    const urgent = task("t-urgent", { createTime: 3, message: room, spec: spec({ priority: 90 }) });
    [old, young, urgent].forEach((t, i) => view.offer(t, i + 1));
    expect(q.shown(urgent).message).toBe(`${room} (1st in line)`);
    expect(q.shown(old).message).toBe(`${room} (2nd in line)`);
    expect(q.shown(young).message).toBe(`${room} (3rd in line)`);
    const quota = task("t-q", { message: "waiting for quota: x" });
    expect(q.shown(quota)).toBe(quota);
    // Re-ranked at most once a second while the view changes.
    view.offer({ ...urgent, state: "RUNNING" }, 9);
    expect(q.shown(old).message).toBe(`${room} (2nd in line)`);
    now.ms = 1_000;
    expect(q.shown(old).message).toBe(`${room} (1st in line)`);
  });
});
