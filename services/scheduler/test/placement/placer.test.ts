/** The placer's shell (bus/placer.ts) over an in-memory store: rounds only on change and only while holding the lease. */
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { currentAttempt, type NodeRecord } from "@trainyard/common";
import { Placer } from "../../src/bus/placer.js";
import type { NodeState } from "../../src/core/placement/snapshot.js";
import { createApplier } from "../../src/store/applier.js";
import { TaskView } from "../../src/store/task-view.js";
import { record, spec, states } from "../fixtures.js";
import { MemorySystemLog, MemoryTaskStore } from "../memory.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const node: NodeRecord = { id: "n1", pools: ["default"], slots: 1, gpus: 0, leaseMs: 60_000, startTime: 0, heartbeatTime: 0, draining: false, running: [] };

let placer: Placer | undefined;
afterEach(() => placer?.stop());

function setup(o: { held?: boolean; holders?: Record<string, string> } = {}) {
  const store = new MemoryTaskStore();
  const view = new TaskView();
  view.markLoaded();
  const applier = createApplier({ store, systemLog: new MemorySystemLog(), view });
  const lease = { held: o.held ?? true };
  const nodes: NodeState[] = [{ record: node, lost: false }];
  const claimHolder = async (taskId: string) => o.holders?.[taskId] ?? null;
  placer = new Placer({ view, held: () => (lease.held ? { epoch: 3 } : null), nodes: () => nodes, quotas: () => ({}), applier, clock: () => 1_000, logger: pino({ level: "silent" }), debounceMs: 1, settleMs: 1, claimHolder });
  return { store, view, applier, lease, placer, nodes };
}

describe("Placer", () => {
  it("places on a change while holding the lease, then does nothing while nothing changes", async () => {
    const { applier, view, placer: p } = setup();
    p.start();
    await applier.create(record({ id: "t-a" }));
    await applier.create(record({ id: "t-b", createTime: 2_000 }));
    await sleep(50);
    expect(currentAttempt(view.get("t-a")!)).toMatchObject({ placedOn: "n1", placeEpoch: 3 });
    // One slot: the second waits, and says so (its place in line is added when read).
    expect(view.get("t-b")!.message).toBe('waiting for room in pool "default"');
    const rounds = p.stats.rounds;
    await sleep(1_200); // past the once-a-second look at nodes and lease
    expect(p.stats.rounds).toBe(rounds);
  });

  it("places nothing while another replica holds the lease, and starts once it is taken", async () => {
    const { applier, view, lease, placer: p } = setup({ held: false });
    p.start();
    await applier.create(record({ id: "t-a" }));
    await sleep(50);
    expect(currentAttempt(view.get("t-a")!).placedOn).toBeUndefined();
    lease.held = true;
    p.wake();
    await sleep(50);
    expect(currentAttempt(view.get("t-a")!).placedOn).toBe("n1");
  });

  it("looks at arrivals alone while nothing else changes, then places the oldest once room frees", async () => {
    const { applier, view, store, placer: p } = setup();
    await applier.create({ ...states["RUNNING started"](), id: "t-run" }); // n1's one slot
    p.start();
    await sleep(50);
    const fullRounds = () => p.stats.rounds - p.stats.arrivalRounds;
    const before = fullRounds();
    for (let i = 0; i < 20; i++) {
      await applier.create(record({ id: `t-${String(i).padStart(2, "0")}`, createTime: 2_000 + i }));
      if (i % 5 === 4) await sleep(20);
    }
    await sleep(100);
    expect(p.stats.arrivalRounds).toBeGreaterThan(1);
    expect(fullRounds()).toBe(before);
    for (let i = 0; i < 20; i++) expect(view.get(`t-${String(i).padStart(2, "0")}`)!.message).toBe('waiting for room in pool "default"');

    // The running one ends: a full round places the oldest waiting.
    const run = (await store.get("t-run"))!;
    const ended = { ...run.task, state: "SUCCEEDED" as const, attempts: [{ ...run.task.attempts[0]!, state: "SUCCEEDED" as const, endTime: 6_000 }] };
    view.offer(ended, await store.update(ended, run.revision));
    await sleep(100);
    expect(fullRounds()).toBeGreaterThan(before);
    expect(currentAttempt(view.get("t-00")!).placedOn).toBe("n1");
    expect(currentAttempt(view.get("t-01")!).placedOn).toBeUndefined();
  });

  it("takes a full round for an arrival that outranks a preemptible running task", async () => {
    const { applier, view, placer: p } = setup();
    await applier.create({ ...states["RUNNING started"](spec({ priority: 10, preemptible: true })), id: "t-low" });
    p.start();
    await sleep(50);
    await applier.create(record({ id: "t-wait", createTime: 2_000 }, spec({ priority: 5 })));
    await sleep(50);
    expect(p.stats.arrivalRounds).toBe(1);
    await applier.create(record({ id: "t-urgent", createTime: 3_000 }, spec({ priority: 90 })));
    await sleep(50);
    expect(p.stats.arrivalRounds).toBe(1);
    expect(view.get("t-low")!.stop).toMatchObject({ kind: "preempted", forTaskId: "t-urgent" });
  });

  it("an attempt placed on a node that was lost goes back to the queue, unless that node claimed it: then the node lost it (NODE_LOST, retried)", async () => {
    const { applier, view, nodes, placer: p } = setup({ holders: { "t-claimed": "n2" } });
    nodes.push({ record: { ...node, id: "n2" }, lost: true, lastSeen: 500 });
    const placedOn = (id: string) => ({ ...record({ id }), attempts: [{ number: 1, state: "PENDING" as const, notBefore: 0, placedOn: "n2", placeEpoch: 3, placeTime: 900 }] });
    await applier.create(placedOn("t-unclaimed"));
    await applier.create(placedOn("t-claimed"));
    p.start();
    await sleep(100);
    const claimed = view.get("t-claimed")!;
    expect(claimed.attempts[0]).toMatchObject({ state: "FAILED", failureReason: "NODE_LOST", nodeId: "n2" });
    expect(claimed.attempts).toHaveLength(2);
    const unclaimed = view.get("t-unclaimed")!;
    expect(unclaimed.attempts).toHaveLength(1);
    expect(currentAttempt(unclaimed).placedOn).not.toBe("n2");
  });
});
