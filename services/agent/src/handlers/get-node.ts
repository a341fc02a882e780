import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { GetNodeResponseSchema, type GetNodeResponse } from "@trainyard/client";
import type { AgentDeps } from "../routes.js";

/** GetNode: this agent's id, pools, slots, and the attempts it is running. */
export function getNode(d: AgentDeps) {
  return async (): Promise<GetNodeResponse> =>
    create(GetNodeResponseSchema, {
      node: {
        id: d.config.nodeId,
        pools: d.config.pools,
        slots: d.slots.total,
        freeSlots: d.slots.total - d.running.active().length,
        gpus: d.config.gpus,
        dockerVersion: d.dockerVersion,
        startTime: timestampFromMs(d.startTime),
        running: d.running.active().map((a) => ({
          taskId: a.taskId,
          attempt: a.attempt,
          containerId: a.containerId ?? "",
          image: a.image,
          startTime: timestampFromMs(a.startTime),
        })),
      },
    });
}
