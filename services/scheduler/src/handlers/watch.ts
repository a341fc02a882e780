import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { WatchRequest, WatchResponse } from "@trainyard/client";
import { NotFoundError } from "@trainyard/common";
import { taskToProto } from "../api/convert.js";
import type { SchedulerDeps } from "../deps.js";
import { decodeRecord } from "../store/task-store.js";
import { requireTaskId } from "./task-id.js";

/** Updates a watcher may fall behind by before it is told to reconnect. */
export const WATCH_MAX_BACKLOG = 10_000;

/**
 * Watch: the current state (of one task, or of every task), then every change, from a KV
 * watch. A watcher that falls WATCH_MAX_BACKLOG updates behind gets RESOURCE_EXHAUSTED rather
 * than growing this server's memory; it reconnects and gets the current state again.
 */
export function watch(d: SchedulerDeps) {
  return async function* (req: WatchRequest, ctx: HandlerContext): AsyncGenerator<WatchResponse> {
    const key = req.taskId ? requireTaskId(req.taskId) : ">";
    if (req.taskId && !(await d.store.get(key))) throw new NotFoundError("task", key);
    const w = await d.infra.tasks.watch({ key });
    const stop = () => w.stop();
    ctx.signal.addEventListener("abort", stop, { once: true });
    try {
      for await (const e of w) {
        if (w.getPending() > WATCH_MAX_BACKLOG) {
          throw new ConnectError("watcher fell too far behind; reconnect", Code.ResourceExhausted);
        }
        const t = e.operation === "PUT" ? decodeRecord(e.value) : null;
        if (t) yield { $typeName: "trainyard.v1.WatchResponse", task: taskToProto(t) };
      }
    } finally {
      ctx.signal.removeEventListener("abort", stop);
      w.stop();
    }
    ctx.signal.throwIfAborted();
  };
}
