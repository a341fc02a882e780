import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { DrainNodeResponseSchema, type DrainNodeRequest, type DrainNodeResponse } from "@trainyard/client";
import { InvalidArgumentError, NODE_ID, NotFoundError, principalOf, type DrainRecord } from "@trainyard/common";
import { gpuHolders, nodeToProto } from "../api/node.js";
import type { SchedulerDeps } from "../deps.js";

/** Longest drain deadline (a day). */
const MAX_DEADLINE_MS = 86_400_000;

/**
 * DrainNode (admin): the placer puts nothing more on the node; past `deadline` its running
 * attempts are stopped and end NODE_LOST (retried elsewhere on the infrastructure budget).
 * `undo` takes the drain back. Stored in the drains bucket, so every replica and the next placer
 * know it; answers with the node as this replica sees it then.
 */
export function drainNode(d: Pick<SchedulerDeps, "nodes" | "view" | "drains" | "clock" | "logger">) {
  return async (req: DrainNodeRequest, ctx: HandlerContext): Promise<DrainNodeResponse> => {
    if (!NODE_ID.test(req.nodeId)) throw new InvalidArgumentError("node_id", `${JSON.stringify(req.nodeId.slice(0, 80))} is not a node id`);
    const now = d.clock();
    const state = () => d.nodes.states(now).find((n) => n.record.id === req.nodeId);
    if (!state() && !d.nodes.drainOf(req.nodeId)) throw new NotFoundError("node", req.nodeId);
    const by = principalOf(ctx).name;
    if (req.undo) {
      await d.drains.remove(req.nodeId);
      d.nodes.drained(req.nodeId, null);
    } else {
      const deadlineMs = req.deadline ? Number(req.deadline.seconds) * 1000 + Math.round(req.deadline.nanos / 1e6) : 0;
      if (deadlineMs < 0 || deadlineMs > MAX_DEADLINE_MS) throw new InvalidArgumentError("deadline", `must be between 0 and ${MAX_DEADLINE_MS / 1000}s`);
      const drain: DrainRecord = { time: now, by, ...(deadlineMs > 0 ? { deadline: now + deadlineMs } : {}) };
      await d.drains.put(req.nodeId, drain);
      d.nodes.drained(req.nodeId, drain);
    }
    d.logger.info({ node: req.nodeId, undo: req.undo, principal: by }, req.undo ? "drain undone" : "node drained");
    const n = state();
    return create(DrainNodeResponseSchema, n ? { node: nodeToProto(n, (id) => d.view.get(id), gpuHolders(d.view.active()).get(req.nodeId) ?? new Map()) } : {});
  };
}
