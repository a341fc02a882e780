import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { GetNodeResponseSchema, NodeSchema, type GetNodeResponse, type Node } from "@trainyard/client";
import type { AgentState } from "../routes.js";

/** GetNode: this agent's id, pools, slots, and the attempts it is running. */
export function getNode(s: AgentState) {
  return async (): Promise<GetNodeResponse> => create(GetNodeResponseSchema, { node: nodeMessage(s) });
}

export function nodeMessage(s: AgentState): Node {
  const running = s.host.running.active();
  return create(NodeSchema, {
    id: s.config.nodeId,
    pools: s.config.pools,
    slots: s.slots.total,
    freeSlots: Math.max(0, s.slots.total - running.length),
    gpus: s.config.gpus,
    dockerVersion: s.dockerVersion,
    draining: s.draining,
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
