import type { HandlerContext } from "@connectrpc/connect";
import type { WatchRequest, WatchResponse } from "@trainyard/client";
import { ALL_NAMESPACES, namespaceOf, NotFoundError, principalOf, seesNamespace, TrainyardError, type TaskRecord } from "@trainyard/common";
import { taskToProto } from "../api/convert.js";
import type { SchedulerDeps } from "../deps.js";
import { BoundedQueue } from "./bounded-queue.js";
import { readRecords } from "./read-records.js";
import { requireTaskId } from "./task-id.js";

/** Tasks read per step of Watch's first answer. */
const SNAPSHOT_PAGE = 256;

/** Updates a watcher may fall behind by before it is told to reconnect. */
export const WATCH_MAX_BACKLOG = 10_000;

/**
 * Watch: the current state (of one task, or of every task the caller's namespace holds, newest
 * first), then every change, served from this replica's view of the tasks bucket (final tasks read
 * from KV). For one task the record and the subscription are taken in the same tick: nothing falls
 * between them, nothing is sent twice. For every task the subscription comes first and the first
 * answer is read a page at a time: a task that changes meanwhile may be sent twice, the newer
 * last. A watcher that falls
 * WATCH_MAX_BACKLOG updates behind gets RESOURCE_EXHAUSTED instead of growing this server's
 * memory; it reconnects and gets the current state again.
 */
export function watch(d: SchedulerDeps) {
  return async function* (req: WatchRequest, ctx: HandlerContext): AsyncGenerator<WatchResponse> {
    const id = req.taskId ? requireTaskId(req.taskId) : undefined;
    const p = principalOf(ctx);
    const shown = (t: TaskRecord) => (!id || t.id === id) && seesNamespace(p, namespaceOf(t));
    await d.view.ready;
    // One task: its current record, then the subscription in the same tick (nothing between them).
    const first = id ? await currentRecord(d, id) : undefined;
    if (first && !shown(first)) throw new NotFoundError("task", id!);
    const queue = new BoundedQueue<TaskRecord>(
      WATCH_MAX_BACKLOG,
      () => new TrainyardError("resource_exhausted", "watcher fell too far behind; reconnect"),
    );
    const unsubscribe = d.view.onChange((t) => {
      if (shown(t)) queue.push(t);
    });
    try {
      if (first) yield response(d.positions.shown(first));
      else for await (const task of everyTask(d, p.namespace === ALL_NAMESPACES ? undefined : p.namespace)) yield response(d.positions.shown(task));
      for (;;) yield response(d.positions.shown(await queue.take(ctx.signal)));
    } finally {
      unsubscribe();
    }
  };
}

/**
 * The named task now: from the view when it holds it whole, else from KV (final, or created a
 * moment ago on another replica), offered to the view so that no older revision follows it, and
 * read again if the view meanwhile took a newer one.
 */
async function currentRecord(d: SchedulerDeps, id: string): Promise<TaskRecord> {
  for (;;) {
    const live = d.view.get(id);
    if (live) return live;
    const s = await d.store.get(id);
    if (!s) throw new NotFoundError("task", id);
    d.view.offer(s.task, s.revision);
    const now = d.view.get(id);
    if (now) return now;
    if ((d.view.revisionOf(id) ?? 0) <= s.revision) return s.task;
  }
}

/** Every task of `namespace` (undefined: of all), newest first, a page at a time: memory stays bounded however many are kept. */
async function* everyTask(d: SchedulerDeps, namespace: string | undefined): AsyncGenerator<TaskRecord> {
  let beforeId: string | undefined;
  for (;;) {
    const { tasks, more } = d.view.page({ ...(namespace !== undefined && { namespace }), states: new Set(), labels: [], ...(beforeId !== undefined && { beforeId }), limit: SNAPSHOT_PAGE });
    yield* await readRecords(d, tasks);
    if (!more) return;
    beforeId = tasks[tasks.length - 1]!.id;
  }
}

function response(task: TaskRecord): WatchResponse {
  return { $typeName: "trainyard.v1.WatchResponse", task: taskToProto(task) };
}
