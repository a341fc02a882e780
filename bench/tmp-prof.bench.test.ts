import { it } from "vitest";
import type { NodeRecord, TaskRecord } from "@trainyard/common";
import { taskSpec } from "../packages/common/test/fixtures.js";
import { place } from "../services/scheduler/src/core/placement/place.js";
import { buildSnapshot } from "../services/scheduler/src/core/placement/snapshot.js";
it("prof", () => {
  const ns = Array.from({ length: 100 }, (_, i) => ({ record: { id: `node-${i}`, pools: ["default"], slots: 8, gpus: 4, gpuDevices: [0,1,2,3].map((g) => ({ id: String(g) })), leaseMs: 15000, startTime: 0, heartbeatTime: 0, draining: false, running: [] } as NodeRecord, lost: false }));
  const rec = (id: string, state: any, gpus: number, priority: number, preemptible: boolean, a: any, ns = "ns-0", ct = 0): TaskRecord => ({ id, spec: { ...taskSpec({ command: ["true"] }), resources: { cpus: 0, memoryBytes: 0, gpus }, priority, preemptible }, state, attempts: [{ number: 1, state, notBefore: 0, ...a }], message: "", createTime: ct, namespace: ns });
  const tasks: TaskRecord[] = [];
  for (let n = 0; n < 100; n++) for (let s = 0; s < 4; s++) tasks.push(rec(`r-${n}-${s}`, "RUNNING", s < 2 ? 1 : 0, 20 + (s % 3) * 20, s % 2 === 0, { nodeId: `node-${n}`, gpuIds: s < 2 ? [String(s)] : [], startTime: s }));
  for (let i = 0; i < 100000; i++) tasks.push(rec(`p-${i}`, "PENDING", [0, 1, 2, 0][i % 4]!, [50, 50, 70][i % 3]!, false, {}, `ns-${i % 8}`, i));
  for (let r = 0; r < 3; r++) {
    let t0 = performance.now();
    const b = buildSnapshot(tasks, ns, {}, 1);
    const t1 = performance.now();
    const d = place(b.snapshot);
    const t2 = performance.now();
    console.log(`snapshot ${(t1 - t0).toFixed(0)} ms, place ${(t2 - t1).toFixed(0)} ms, placed ${d.place.length} preempt ${d.preempt.length} waiting ${d.waiting.size} unexamined ${d.unexamined}`);
  }
});
