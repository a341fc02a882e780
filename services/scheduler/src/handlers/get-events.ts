import type { HandlerContext } from "@connectrpc/connect";
import type { GetEventsRequest, GetEventsResponse } from "@trainyard/client";
import { principalOf } from "@trainyard/common";
import { eventToProto } from "../api/convert.js";
import type { SchedulerDeps } from "../deps.js";
import { requireTaskId } from "./task-id.js";
import { visibleTask } from "./visible.js";

/** GetEvents: the task's history from its record in KV, oldest first. */
export function getEvents(d: SchedulerDeps) {
  return async (req: GetEventsRequest, ctx: HandlerContext): Promise<GetEventsResponse> => {
    const s = await visibleTask(d, requireTaskId(req.taskId), principalOf(ctx));
    return { $typeName: "trainyard.v1.GetEventsResponse", events: (s.task.history ?? []).map(eventToProto) };
  };
}
