import { create } from "@bufbuild/protobuf";
import { ListNodesResponseSchema, type ListNodesResponse } from "@trainyard/client";
import { gpuHolders, nodeToProto } from "../api/node.js";
import type { SchedulerDeps } from "../deps.js";

/** ListNodes: every node with a heartbeat in the bucket (lost ones included, as LOST), by id. */
export function listNodes(d: Pick<SchedulerDeps, "nodes" | "view" | "clock">) {
  return async (): Promise<ListNodesResponse> => {
    const nodes = d.nodes.states(d.clock()).sort((a, b) => (a.record.id < b.record.id ? -1 : 1));
    const holders = gpuHolders(d.view.active());
    return create(ListNodesResponseSchema, { nodes: nodes.map((n) => nodeToProto(n, (id) => d.view.get(id), holders.get(n.record.id) ?? new Map())) });
  };
}
