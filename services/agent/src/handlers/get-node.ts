import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { GetNodeResponseSchema, NodeSchema, NodeState, type GetNodeResponse, type Node } from "@trainyard/client";
import type { AgentState } from "../routes.js";

/** GetNode: this agent's id, pools, slots, what it offers (devices and who holds each), and the attempts it is running. */
export function getNode(s: AgentState) {
  return async (): Promise<GetNodeResponse> => create(GetNodeResponseSchema, { node: nodeMessage(s) });
}

export function nodeMessage(s: AgentState): Node {
  const running = s.host.running.active();
  const holder = new Map(running.flatMap((a) => a.gpuIds.map((g) => [g, a.taskId] as const)));
  return create(NodeSchema, {
    id: s.config.nodeId,
    pools: s.config.pools,
    slots: s.slots.total,
    freeSlots: Math.max(0, s.slots.total - running.length),
    gpus: s.config.gpus,
    dockerVersion: s.dockerVersion,
    draining: s.draining,
    state: s.draining ? NodeState.DRAINING : NodeState.READY,
    cpus: s.config.cpus,
    memoryBytes: BigInt(s.config.memoryBytes),
    labels: s.config.labels,
    networkModes: s.config.networkModes,
    gpuDevices: s.gpuDevices.map((d) => ({ id: d.id, uuid: d.uuid ?? "", name: d.name ?? "", memoryBytes: BigInt(d.memoryBytes ?? 0), taskId: holder.get(d.id) ?? "" })),
    startTime: timestampFromMs(s.startTime),
    running: running.map((a) => ({
      taskId: a.taskId,
      attempt: a.attempt,
      containerId: a.containerId ?? "",
      image: a.image,
      startTime: timestampFromMs(a.startTime),
    })),
  });
}
