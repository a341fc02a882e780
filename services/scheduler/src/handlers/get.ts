import type { GetRequest, GetResponse } from "@trainyard/client";
import { NotFoundError } from "@trainyard/common";
import { taskToProto } from "../api/convert.js";
import type { SchedulerDeps } from "../deps.js";
import { requireTaskId } from "./task-id.js";

/** Get reads the record from KV (not the view): always the latest state. */
export function get(d: SchedulerDeps) {
  return async (req: GetRequest): Promise<GetResponse> => {
    const id = requireTaskId(req.taskId);
    const s = await d.store.get(id);
    if (!s) throw new NotFoundError("task", id);
    return { $typeName: "trainyard.v1.GetResponse", task: taskToProto(s.task) };
  };
}
