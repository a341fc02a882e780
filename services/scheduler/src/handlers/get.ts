import type { HandlerContext } from "@connectrpc/connect";
import type { GetRequest, GetResponse } from "@trainyard/client";
import { principalOf } from "@trainyard/common";
import { taskToProto } from "../api/convert.js";
import type { SchedulerDeps } from "../deps.js";
import { requireTaskId } from "./task-id.js";
import { visibleTask } from "./visible.js";

/** Get reads the record from KV (not the view): always the latest state. */
export function get(d: SchedulerDeps) {
  return async (req: GetRequest, ctx: HandlerContext): Promise<GetResponse> => {
    const s = await visibleTask(d, requireTaskId(req.taskId), principalOf(ctx));
    return { $typeName: "trainyard.v1.GetResponse", task: taskToProto(d.positions.shown(s.task)) };
  };
}
