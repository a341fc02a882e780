/**
 * recover() (liveness/recover.ts) at agent start, on a FakeRuntime with in-memory records:
 * which of this node's containers are re-attached (with their log position) and which killed
 * and removed, and which attempts of the previous run with no container are reported lost.
 * Who holds an attempt is core/recovery.ts's (tested there as a table); here it is applied.
 */
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentEvent, NodeRecord, TaskRecord } from "@trainyard/common";
import type { LogPosition } from "../../src/bus/records.js";
import { recover } from "../../src/liveness/recover.js";
import type { FakeRuntime } from "../../src/runtime/fake-runtime.js";
import { task as taskFixture } from "../fixtures.js";
import { cleanUp, containerFor, fakeRuntime, leftover, MemoryRecords, NODE, runningTask } from "../runner/harness.js";

afterEach(cleanUp);

const forever = { output: [{ stdout: "training" }], durationMs: Infinity };

/** Attempt 1 of task `id`, RUNNING on `node`. */
function held(id: string, node = NODE): TaskRecord {
  const t = { ...runningTask(forever), id };
  t.attempts[0]!.nodeId = node;
  return t;
}

function previousRun(running: NodeRecord["running"]): NodeRecord {
  return { id: NODE, pools: ["default"], slots: 2, gpus: 0, leaseMs: 15_000, startTime: 0, heartbeatTime: 0, draining: false, running };
}

async function recovering(runtime: FakeRuntime, records: MemoryRecords, previous: NodeRecord | null = null) {
  const reattached: { task: TaskRecord; attempt: number; containerId: string; from: LogPosition }[] = [];
  const reported: AgentEvent[] = [];
  const count = await recover({
    nodeId: NODE,
    previous,
    records,
    runtime,
    reattach: (task, attempt, containerId, from) => void reattached.push({ task, attempt, containerId, from }),
    report: async (e) => void reported.push(e),
    logger: pino({ level: "silent" }),
  });
  return { count, reattached, reported };
}

/** A container of attempt 1 of task `taskId` on this node, the records as `store` leaves them, then recover(). */
async function recoverWith(taskId: string, store: (r: MemoryRecords, t: TaskRecord) => void) {
  const runtime = fakeRuntime();
  const records = new MemoryRecords();
  const t = held(taskId);
  store(records, t);
  const id = await containerFor(runtime, t, 1);
  return { runtime, t, id, r: await recovering(runtime, records) };
}

describe("recover: this node's containers", () => {
  it("re-attaches a container whose attempt this node still holds, from where its published log ends", async () => {
    const runtime = fakeRuntime();
    const records = new MemoryRecords();
    const t = held("t-held");
    records.set(t);
    const position = { frame: 7, resume: "2026-12-01T10:00:00.123000002Z" };
    records.setPosition(t.id, 1, position);
    const id = await containerFor(runtime, t, 1);
    const r = await recovering(runtime, records);
    expect(r.count).toBe(1);
    expect(r.reattached).toEqual([{ task: t, attempt: 1, containerId: id, from: position }]);
    expect(r.reported).toEqual([]);
    expect(runtime.container(id)).toMatchObject({ running: true, signals: [] });
  });

  it.each<[string, (r: MemoryRecords, t: TaskRecord) => void]>([
    ["held by the claims bucket before the record names a node", (r, t) => {
      r.set({ ...t, state: "PENDING", attempts: [{ number: 1, state: "PENDING", notBefore: 0 }] });
      r.claim(t.id, 1, NODE);
    }],
    ["a cancel requested meanwhile (the re-attached runner stops it and reports)", (r, t) => r.set({ ...t, cancel: { reason: "stop", time: 1 } })],
  ])("re-attaches too when %s", async (_, store) => {
    const { t, id, r } = await recoverWith("t-held", store);
    expect(r.count).toBe(1);
    expect(r.reattached.map((a) => [a.task.id, a.attempt, a.containerId, a.from])).toEqual([[t.id, 1, id, { frame: 0 }]]);
  });

  it.each<[string, (r: MemoryRecords, t: TaskRecord) => void]>([
    ["the task moved on to a newer attempt", (r, t) => r.set(taskFixture("PENDING", 2, { id: t.id }, t.spec))],
    ["the task is final", (r, t) => r.set({ ...t, state: "FAILED" })],
    ["the record is gone", () => {}],
    ["another node holds the attempt", (r, t) => r.set(held(t.id, "n2"))],
    ["another node claimed it, before the record names a node", (r, t) => {
      r.set({ ...t, state: "PENDING", attempts: [{ number: 1, state: "PENDING", notBefore: 0 }] });
      r.claim(t.id, 1, "n2");
    }],
  ])("kills and removes a container when %s; nothing re-attached or reported", async (_, store) => {
    const { runtime, id, r } = await recoverWith("t-stale", store);
    expect(r).toEqual({ count: 0, reattached: [], reported: [] });
    expect(leftover(runtime)).toEqual([]);
    expect(runtime.containers()[0]).toMatchObject({ id, removed: true, signals: ["SIGKILL"] });
  });

  it("removes an exited container of an attempt no longer ours, and leaves other nodes' containers alone", async () => {
    const runtime = fakeRuntime();
    const records = new MemoryRecords();
    const gone = { ...runningTask({ exitCode: 1 }), id: "t-gone" };
    const theirs = held("t-theirs", "n2");
    records.set(theirs);
    const exited = await containerFor(runtime, gone, 1);
    await runtime.wait(exited, AbortSignal.timeout(2_000));
    const other = await containerFor(runtime, theirs, 1, { node: "n2" });
    const r = await recovering(runtime, records);
    expect(r).toEqual({ count: 0, reattached: [], reported: [] });
    expect(leftover(runtime).map((c) => c.id)).toEqual([other]);
    expect(runtime.container(other)?.running).toBe(true);
  });
});

describe("recover: attempts of the previous run", () => {
  it("reports an attempt still ours with no container as finished (restarted-before-start); not one that is not ours; re-attaches the rest", async () => {
    const runtime = fakeRuntime();
    const records = new MemoryRecords();
    const lost = held("t-lost");
    const elsewhere = held("t-elsewhere", "n2");
    const running = held("t-running");
    for (const t of [lost, elsewhere, running]) records.set(t);
    const id = await containerFor(runtime, running, 1);
    const previous = previousRun([
      { taskId: lost.id, attempt: 1 },
      { taskId: elsewhere.id, attempt: 1 },
      { taskId: "t-deleted", attempt: 3 },
      { taskId: running.id, attempt: 1, containerId: id },
    ]);
    const r = await recovering(runtime, records, previous);
    expect(r.count).toBe(1);
    expect(r.reattached.map((a) => a.task.id)).toEqual([running.id]);
    expect(r.reported).toEqual([
      {
        type: "finished",
        taskId: lost.id,
        attempt: 1,
        nodeId: NODE,
        outcome: { exitCode: -1, failureReason: "CONTAINER_ERROR", end: { kind: "restarted-before-start" } },
        time: expect.any(Number),
      },
    ]);
  });

  it("counts every re-attachment", async () => {
    const runtime = fakeRuntime();
    const records = new MemoryRecords();
    const tasks = ["t-a", "t-b", "t-c"].map((id) => held(id));
    for (const t of tasks) {
      records.set(t);
      await containerFor(runtime, t, 1);
    }
    const stale = held("t-stale", "n2");
    records.set(stale);
    await containerFor(runtime, stale, 1); // labelled with this node, held by n2
    const r = await recovering(runtime, records, previousRun(tasks.map((t) => ({ taskId: t.id, attempt: 1 }))));
    expect(r.count).toBe(3);
    expect(r.reattached.map((a) => a.task.id).sort()).toEqual(["t-a", "t-b", "t-c"]);
    expect(r.reported).toEqual([]);
    expect(leftover(runtime)).toHaveLength(3);
  });
});
