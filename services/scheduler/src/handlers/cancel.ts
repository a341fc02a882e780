import type { HandlerContext } from "@connectrpc/connect";
import type { CancelRequest, CancelResponse } from "@trainyard/client";
import { currentAttempt, InvalidArgumentError, principalOf } from "@trainyard/common";
import { taskToProto } from "../api/convert.js";
import type { SchedulerDeps } from "../deps.js";
import { requireTaskId } from "./task-id.js";
import { visibleTask } from "./visible.js";

/**
 * Cancel: a PENDING task ends CANCELLED here and now; for a RUNNING one the request is
 * recorded and its agent (watching the record) stops the container and reports; a final task
 * comes back unchanged. Returns the record as stored after the request.
 */
export function cancel(d: SchedulerDeps) {
  return async (req: CancelRequest, ctx: HandlerContext): Promise<CancelResponse> => {
    const id = requireTaskId(req.taskId);
    if (req.reason.length > 1024) throw new InvalidArgumentError("reason", "is longer than 1024 characters");
    const p = principalOf(ctx);
    await visibleTask(d, id, p);
    const s = await d.applier.apply(id, { type: "cancel", taskId: id, reason: req.reason, time: d.clock(), principal: p.name });
    const cur = currentAttempt(s.task);
    d.logger.info({ task: id, attempt: cur.number, ...(cur.nodeId && { node: cur.nodeId }), state: s.task.state, reason: req.reason }, "cancel requested");
    return { $typeName: "trainyard.v1.CancelResponse", task: taskToProto(s.task) };
  };
}
