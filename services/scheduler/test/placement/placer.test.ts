/** The placer's shell (bus/placer.ts) over an in-memory store: rounds only on change and only while holding the lease. */
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { currentAttempt, type NodeRecord } from "@trainyard/common";
import { Placer } from "../../src/bus/placer.js";
import type { NodeState } from "../../src/core/placement/snapshot.js";
import { createApplier } from "../../src/store/applier.js";
import { TaskView } from "../../src/store/task-view.js";
import { record } from "../fixtures.js";
import { MemorySystemLog, MemoryTaskStore } from "../memory.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const node: NodeRecord = { id: "n1", pools: ["default"], slots: 1, gpus: 0, leaseMs: 60_000, startTime: 0, heartbeatTime: 0, draining: false, running: [] };

let placer: Placer | undefined;
afterEach(() => placer?.stop());

function setup(o: { held?: boolean } = {}) {
  const store = new MemoryTaskStore();
  const view = new TaskView();
  view.markLoaded();
  const applier = createApplier({ store, systemLog: new MemorySystemLog(), view });
  const lease = { held: o.held ?? true };
  const nodes: NodeState[] = [{ record: node, lost: false }];
  placer = new Placer({ view, held: () => (lease.held ? { epoch: 3 } : null), nodes: () => nodes, quotas: () => ({}), applier, clock: () => 1_000, logger: pino({ level: "silent" }), debounceMs: 1, settleMs: 1 });
  return { store, view, applier, lease, placer };
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
});
