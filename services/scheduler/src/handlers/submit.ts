import type { HandlerContext } from "@connectrpc/connect";
import type { SubmitRequest, SubmitResponse } from "@trainyard/client";
import { ConflictError, InvalidArgumentError, namespaceOf, principalOf, submitNamespace, TrainyardError, type Dependency } from "@trainyard/common";
import { newTask } from "../core/new-task.js";
import { submitRefusal } from "../core/retention.js";
import { validateSubmit } from "../core/spec.js";
import { taskToProto } from "../api/convert.js";
import type { SchedulerDeps } from "../deps.js";

/**
 * Submit: validate (nothing is stored for a bad spec, nor for a dependency on a task the
 * submitter's namespace does not have), bind the idempotency key, create the
 * record (RESOURCE_EXHAUSTED past the namespace's max_pending, as this replica counts, or when
 * the tasks bucket is near its cap). The
 * placer (woken by the view) places it. May be called twice
 * with the same key from any replica: both calls return the first task.
 */
export function submit(d: SchedulerDeps) {
  return async (req: SubmitRequest, ctx: HandlerContext): Promise<SubmitResponse> => {
    const { spec, idempotencyKey } = validateSubmit(req, d.resources);
    await refuseWhenFull(d);
    const p = principalOf(ctx);
    const namespace = submitNamespace(p);
    await requireParents(d, spec.dependsOn ?? [], namespace);
    const fresh = d.newId();
    const id = idempotencyKey ? await d.idempotency.bind(namespace, idempotencyKey, fresh) : fresh;
    // A key bound before to a stored task returns it below, whatever the quota says now (a key
    // bound by a submit the quota refused has no task: that one counts as new).
    const isNew = id === fresh || !(await d.store.get(id));
    if (isNew) refusePastMaxPending(d, namespace, 1);
    const task = newTask(id, spec, d.clock(), { namespace, name: p.name }, idempotencyKey);
    try {
      await d.applier.create(task);
      d.tasksSpace.created();
      d.logger.info({ task: id, attempt: 1, image: spec.image, pool: spec.pool, namespace, principal: p.name }, "task submitted");
      return { $typeName: "trainyard.v1.SubmitResponse", task: taskToProto(task) };
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const existing = await d.store.get(id);
      if (!existing) throw new TrainyardError("aborted", "idempotent submit raced with a delete; try again");
      return { $typeName: "trainyard.v1.SubmitResponse", task: taskToProto(existing.task) };
    }
  };
}

/** Each parent a dependency names must exist in the submitter's namespace (from KV when this replica's view has not seen it yet). */
export async function requireParents(d: SchedulerDeps, deps: readonly Dependency[], namespace: string): Promise<void> {
  await Promise.all(
    deps.map(async ({ taskId }, i) => {
      const known = d.view.summary(taskId)?.namespace ?? (await d.store.get(taskId).then((s) => (s ? namespaceOf(s.task) : undefined)));
      if (known !== namespace) throw new InvalidArgumentError(`spec.depends_on[${i}].task_id`, `no task ${taskId} in namespace "${namespace}"`);
    }),
  );
}

/** RESOURCE_EXHAUSTED when the tasks bucket is near its bound (TRAINYARD_TASKS_MAX_BYTES). */
export async function refuseWhenFull(d: SchedulerDeps): Promise<void> {
  const full = submitRefusal(await d.tasksSpace.usage());
  if (full) throw new TrainyardError("resource_exhausted", full);
}

/** RESOURCE_EXHAUSTED when `adding` more pending tasks would pass the namespace's max_pending (as this replica counts). */
export function refusePastMaxPending(d: SchedulerDeps, namespace: string, adding: number): void {
  const maxPending = d.quotas()[namespace]?.maxPending;
  const pending = d.view.pendingIn(namespace);
  if (maxPending !== undefined && pending + adding > maxPending) {
    throw new TrainyardError("resource_exhausted", `namespace "${namespace}" has ${pending} pending tasks${adding > 1 ? ` and asks for ${adding} more` : ""}: quota max_pending is ${maxPending}`);
  }
}
