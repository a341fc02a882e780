// Benchmark (`npm run bench`; `npm test` runs it in smoke mode): what one placement round costs
// with 1k, 10k and 100k pending tasks on 100 nodes (8 slots and 4 GPUs each, half the slots
// busy), as the placer runs it: the snapshot from task records (core/placement/snapshot.ts) and
// place() (core/placement/place.ts). The baseline, measured in the same run, is the least any
// priority queue must do: sorting the same pending records by priority and age. Ratios stay
// meaningful on shared, noisy machines where absolute numbers do not.
import { expect, it } from "vitest";
import { median, row, SMOKE } from "./lib/table.js";
import type { NodeRecord, TaskRecord } from "@trainyard/common";
import { taskSpec } from "../packages/common/test/fixtures.js";
import { place } from "../services/scheduler/src/core/placement/place.js";
import { buildSnapshot, type NodeState } from "../services/scheduler/src/core/placement/snapshot.js";

const NODES = 100;
const SLOTS = 8;
const GPUS = 4;
const RUNS = SMOKE ? 1 : 5;

function nodes(): NodeState[] {
  return Array.from({ length: NODES }, (_, i) => {
    const record: NodeRecord = {
      id: `node-${i}`,
      pools: ["default"],
      slots: SLOTS,
      gpus: GPUS,
      gpuDevices: Array.from({ length: GPUS }, (_, g) => ({ id: String(g) })),
      leaseMs: 15_000,
      startTime: 0,
      heartbeatTime: 0,
      draining: false,
      running: [],
    };
    return { record, lost: false };
  });
}

/** Half of every node's slots run a one-GPU task, so room remains for some of the pending. */
function running(): TaskRecord[] {
  const out: TaskRecord[] = [];
  for (let n = 0; n < NODES; n++) {
    for (let s = 0; s < SLOTS / 2; s++) {
      const gpu = s < GPUS / 2;
      out.push(record(`r-${n}-${s}`, "RUNNING", { gpus: gpu ? 1 : 0, priority: 20 + (s % 3) * 20, preemptible: s % 2 === 0 }, { nodeId: `node-${n}`, gpuIds: gpu ? [String(s)] : [], startTime: s }));
    }
  }
  return out;
}

/** Pending tasks of four shapes, three priorities and eight namespaces. */
function pending(n: number): TaskRecord[] {
  return Array.from({ length: n }, (_, i) => record(`p-${i}`, "PENDING", { gpus: [0, 1, 2, 0][i % 4]!, priority: [50, 50, 70][i % 3]!, preemptible: false }, {}, `ns-${i % 8}`, i));
}

function record(id: string, state: "PENDING" | "RUNNING", o: { gpus: number; priority: number; preemptible: boolean }, a: Partial<TaskRecord["attempts"][number]>, namespace = "ns-0", createTime = 0): TaskRecord {
  return {
    id,
    spec: { ...taskSpec({ command: ["true"] }), resources: { cpus: 0, memoryBytes: 0, gpus: o.gpus }, priority: o.priority, preemptible: o.preemptible },
    state,
    attempts: [{ number: 1, state, notBefore: 0, ...a }],
    message: "",
    createTime,
    namespace,
  };
}

function time(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const rows: string[][] = [];

it.each(SMOKE ? [1_000] : [1_000, 10_000, 100_000])("one placement round with %i pending on 100 nodes", (n) => {
  const tasks = [...running(), ...pending(n)];
  const ns = nodes();
  const quotas = { "ns-7": { maxRunning: 10 } };
  const round: number[] = [];
  const sort: number[] = [];
  let placed = 0;
  let waiting = 0;
  for (let r = 0; r < RUNS; r++) {
    round.push(
      time(() => {
        const d = place(buildSnapshot(tasks, ns, quotas, 1).snapshot);
        placed = d.place.length;
        waiting = d.waiting.size + d.unexamined;
      }),
    );
    const queue = tasks.filter((t) => t.state === "PENDING");
    sort.push(time(() => queue.sort((a, b) => (b.spec.priority ?? 50) - (a.spec.priority ?? 50) || a.createTime - b.createTime)));
  }
  expect(placed).toBeGreaterThan(0);
  expect(placed + waiting).toBe(n);
  const perTask = (median(round) * 1000) / n;
  const perPlacement = (median(round) * 1000) / placed;
  row({ row: `P4 one placement round, ${n.toLocaleString("en-US")} pending, ${NODES} nodes`, trainyard: `${median(round).toFixed(1)} ms (${perPlacement.toFixed(0)} µs a placement)`, baseline: `sorting the pending by priority, age: ${median(sort).toFixed(1)} ms`, ratio: median(sort) / median(round) });
  rows.push([String(n), `${median(round).toFixed(1)} ms`, String(placed), `${perPlacement.toFixed(0)} µs`, `${perTask.toFixed(2)} µs`, `${median(sort).toFixed(1)} ms`, (median(round) / median(sort)).toFixed(1)]);
});

it("prints the table", () => {
  const header = ["pending", "round (snapshot + place)", "placed in the round", "per placement", "per pending task", "baseline: sort by priority, age", "ratio to baseline"];
  console.log(`\nplacement, ${NODES} nodes × ${SLOTS} slots, ${GPUS} GPUs, half busy; median of ${RUNS}\n${[header, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n")}\n`);
});
