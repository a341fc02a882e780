import type { HandlerContext } from "@connectrpc/connect";
import type { WatchRequest, WatchResponse } from "@trainyard/client";
import { namespaceOf, NotFoundError, principalOf, seesNamespace, TrainyardError, type TaskRecord } from "@trainyard/common";
import { taskToProto } from "../api/convert.js";
import type { SchedulerDeps } from "../deps.js";
import { BoundedQueue } from "./bounded-queue.js";
import { requireTaskId } from "./task-id.js";

/** Updates a watcher may fall behind by before it is told to reconnect. */
export const WATCH_MAX_BACKLOG = 10_000;

/**
 * Watch: the current state (of one task, or of every task the caller's namespace holds), then
 * every change, served from this replica's view of the tasks bucket. The snapshot and the subscription are taken in the
 * same tick, so nothing falls between them and nothing is sent twice. A watcher that falls
 * WATCH_MAX_BACKLOG updates behind gets RESOURCE_EXHAUSTED instead of growing this server's
 * memory; it reconnects and gets the current state again.
 */
export function watch(d: SchedulerDeps) {
  return async function* (req: WatchRequest, ctx: HandlerContext): AsyncGenerator<WatchResponse> {
    const id = req.taskId ? requireTaskId(req.taskId) : undefined;
    const p = principalOf(ctx);
    const shown = (t: TaskRecord) => (!id || t.id === id) && seesNamespace(p, namespaceOf(t));
    await d.view.ready;
    if (id && d.view.revisionOf(id) === undefined) {
      // This replica may not have seen a task created a moment ago on another one.
      const s = await d.store.get(id);
      if (!s) throw new NotFoundError("task", id);
      d.view.offer(s.task, s.revision);
    }
    if (id && !shown(d.view.get(id)!)) throw new NotFoundError("task", id);
    const queue = new BoundedQueue<TaskRecord>(
      WATCH_MAX_BACKLOG,
      () => new TrainyardError("resource_exhausted", "watcher fell too far behind; reconnect"),
    );
    const snapshot = id ? [d.view.get(id)!] : [...d.view.values()].filter(shown);
    const unsubscribe = d.view.onChange((t) => {
      if (shown(t)) queue.push(t);
    });
    try {
      for (const task of snapshot) yield response(d.positions.shown(task));
      for (;;) yield response(d.positions.shown(await queue.take(ctx.signal)));
    } finally {
      unsubscribe();
    }
  };
}

function response(task: TaskRecord): WatchResponse {
  return { $typeName: "trainyard.v1.WatchResponse", task: taskToProto(task) };
}
