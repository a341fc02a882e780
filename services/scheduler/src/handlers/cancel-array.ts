import type { HandlerContext } from "@connectrpc/connect";
import type { CancelArrayRequest, CancelArrayResponse } from "@trainyard/client";
import { InvalidArgumentError, isFinal, namespaceOf, NotFoundError, principalOf, seesNamespace, type TaskRecord } from "@trainyard/common";
import { taskToProto } from "../api/convert.js";
import { memberId, requireArrayId } from "../core/arrays.js";
import type { SchedulerDeps } from "../deps.js";

/**
 * CancelArray: every task of the array not final yet is cancelled as Cancel cancels one. The
 * tasks are found from KV, not from this replica's view (an array just submitted elsewhere has
 * them all): task 0 tells the array's size and namespace, the ids follow from the index. An
 * array of a namespace the caller does not see is NOT_FOUND, as an unknown one.
 */
export function cancelArray(d: SchedulerDeps) {
  return async (req: CancelArrayRequest, ctx: HandlerContext): Promise<CancelArrayResponse> => {
    const id = requireArrayId(req.arrayId);
    if (req.reason.length > 1024) throw new InvalidArgumentError("reason", "is longer than 1024 characters");
    const p = principalOf(ctx);
    const first = await d.store.get(memberId(id, 0));
    if (!first?.task.array || first.task.array.id !== id || !seesNamespace(p, namespaceOf(first.task))) throw new NotFoundError("array", id);
    const time = d.clock();
    const tasks: TaskRecord[] = [];
    for (let i = 0; i < first.task.array.count; i++) {
      const taskId = memberId(id, i);
      const s = i === 0 ? first : await d.store.get(taskId);
      if (!s) continue; // never created (a SubmitArray that stopped half-way), or deleted after its retention
      tasks.push(isFinal(s.task.state) ? s.task : (await d.applier.apply(taskId, { type: "cancel", taskId, reason: req.reason, time, principal: p.name })).task);
    }
    d.logger.info({ array: id, tasks: tasks.length, reason: req.reason, principal: p.name }, "array cancel requested");
    return { $typeName: "trainyard.v1.CancelArrayResponse", tasks: tasks.map(taskToProto) };
  };
}
