import { randomBytes } from "node:crypto";
import type { HandlerContext } from "@connectrpc/connect";
import type { SubmitArrayRequest, SubmitArrayResponse } from "@trainyard/client";
import { ConflictError, InvalidArgumentError, principalOf, submitNamespace, TrainyardError, type TaskRecord, type TaskSpec } from "@trainyard/common";
import { taskToProto } from "../api/convert.js";
import { arrayId, arrayShape, memberId } from "../core/arrays.js";
import { newTask } from "../core/new-task.js";
import { validateSubmit } from "../core/spec.js";
import type { SchedulerDeps } from "../deps.js";
import { refusePastMaxPending, refuseWhenFull, requireParents } from "./submit.js";

/** Tasks of an array created at once. */
const CREATING = 32;

/**
 * SubmitArray: `count` tasks of one spec, or one per element with the element's env added;
 * each validated as Submit validates (nothing is stored when one is bad). The idempotency key
 * binds the array: a repeat returns the same array, creating any task a call that stopped
 * half-way left missing (task ids follow from the array's id and the index). At most
 * `max_parallel` of them run at once: the placer counts them (core/placement/place.ts).
 */
export function submitArray(d: SchedulerDeps) {
  return async (req: SubmitArrayRequest, ctx: HandlerContext): Promise<SubmitArrayResponse> => {
    const { count, maxParallel } = arrayShape(req);
    const base = validateSubmit({ $typeName: "trainyard.v1.SubmitRequest", ...(req.spec && { spec: req.spec }), idempotencyKey: req.idempotencyKey }, d.resources);
    const specs: TaskSpec[] = Array.from({ length: count }, (_, i) => {
      const env = req.elements[i]?.env;
      if (!env || !Object.keys(env).length) return base.spec;
      try {
        return validateSubmit({ $typeName: "trainyard.v1.SubmitRequest", spec: { ...req.spec!, env: { ...req.spec!.env, ...env } }, idempotencyKey: "" }, d.resources).spec;
      } catch (err) {
        if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`elements[${i}].env`, err.message);
        throw err;
      }
    });
    await refuseWhenFull(d);
    const p = principalOf(ctx);
    const namespace = submitNamespace(p);
    await requireParents(d, base.spec.dependsOn ?? [], namespace);
    const fresh = arrayId(d.clock(), randomBytes(12));
    const id = req.idempotencyKey ? await d.idempotency.bind(namespace, `\0array\0${req.idempotencyKey}`, fresh) : fresh;
    if (id === fresh) refusePastMaxPending(d, namespace, count);

    const now = d.clock();
    const by = { namespace, name: p.name };
    const create = async (i: number): Promise<TaskRecord> => {
      // Index order is queue order: each a microsecond after the one before.
      const task: TaskRecord = { ...newTask(memberId(id, i), specs[i]!, now + i / 1000, by), array: { id, index: i, count, maxParallel } };
      try {
        await d.applier.create(task);
        d.tasksSpace.created();
        return task;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        const existing = await d.store.get(task.id);
        if (!existing) throw new TrainyardError("aborted", "idempotent submit raced with a delete; try again");
        return existing.task;
      }
    };
    const tasks: TaskRecord[] = [];
    for (let i = 0; i < count; i += CREATING) tasks.push(...(await Promise.all(Array.from({ length: Math.min(CREATING, count - i) }, (_, j) => create(i + j)))));
    d.logger.info({ array: id, count, maxParallel, image: base.spec.image, pool: base.spec.pool, namespace, principal: p.name }, "array submitted");
    return { $typeName: "trainyard.v1.SubmitArrayResponse", arrayId: id, tasks: tasks.map(taskToProto) };
  };
}
