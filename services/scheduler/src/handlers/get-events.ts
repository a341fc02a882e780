import type { GetEventsRequest, GetEventsResponse } from "@trainyard/client";
import { NotFoundError } from "@trainyard/common";
import { eventToProto } from "../api/convert.js";
import type { SchedulerDeps } from "../deps.js";
import { requireTaskId } from "./task-id.js";

/** GetEvents: the task's history from its record in KV, oldest first. */
export function getEvents(d: SchedulerDeps) {
  return async (req: GetEventsRequest): Promise<GetEventsResponse> => {
    const id = requireTaskId(req.taskId);
    const s = await d.store.get(id);
    if (!s) throw new NotFoundError("task", id);
    return { $typeName: "trainyard.v1.GetEventsResponse", events: (s.task.history ?? []).map(eventToProto) };
  };
}
