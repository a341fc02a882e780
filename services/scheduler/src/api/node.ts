/** A node as the scheduler knows it (heartbeat, liveness, drain, the records of what runs there) → trainyard.v1.Node. */
import { create } from "@bufbuild/protobuf";
import { NodeSchema, NodeState as PbNodeState, type Node } from "@trainyard/client";
import { currentAttempt, gpuDevicesOf, type TaskRecord } from "@trainyard/common";
import type { NodeState } from "../core/placement/snapshot.js";
import { ts } from "./convert.js";

/**
 * `task(id)`: the record of a task the node's heartbeat says it runs; `holders`: device id → the
 * task whose attempt holds it there (from the records: placed, claimed or running).
 */
export function nodeToProto(n: NodeState, task: (id: string) => TaskRecord | undefined, holder: ReadonlyMap<string, string>): Node {
  const r = n.record;
  const running = Array.isArray(r.running) ? r.running : [];
  const devices = gpuDevicesOf(r);
  const draining = r.draining || n.drain !== undefined;
  return create(NodeSchema, {
    id: r.id,
    pools: r.pools ?? [],
    slots: r.slots,
    freeSlots: Math.max(0, r.slots - running.length),
    running: running.map((a) => {
      const t = task(a.taskId);
      const cur = t && currentAttempt(t);
      return { taskId: a.taskId, attempt: a.attempt, containerId: a.containerId ?? "", image: t?.spec.image ?? "", startTime: ts(cur?.number === a.attempt ? cur.startTime : undefined) };
    }),
    startTime: ts(r.startTime),
    gpus: devices.length,
    draining,
    cpus: r.cpus ?? 0,
    memoryBytes: BigInt(r.memoryBytes ?? 0),
    gpuDevices: devices.map((d) => ({ id: d.id, uuid: d.uuid ?? "", name: d.name ?? "", memoryBytes: BigInt(d.memoryBytes ?? 0), taskId: holder.get(d.id) ?? "" })),
    labels: r.labels ?? {},
    networkModes: r.networkModes ?? ["none"],
    state: n.lost ? PbNodeState.LOST : draining ? PbNodeState.DRAINING : PbNodeState.READY,
    lastSeen: ts(n.lastSeen),
  });
}

/** Node id → (device id → task id) of every attempt that holds devices (placed or running, not ended). */
export function gpuHolders(tasks: Iterable<TaskRecord>): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const t of tasks) {
    if (t.state !== "RUNNING" && t.state !== "PENDING") continue;
    const a = currentAttempt(t);
    const nodeId = a.nodeId ?? a.placedOn;
    if (!nodeId || !a.gpuIds?.length || a.state !== t.state) continue;
    const m = out.get(nodeId) ?? new Map<string, string>();
    out.set(nodeId, m);
    for (const g of a.gpuIds) m.set(g, t.id);
  }
  return out;
}
