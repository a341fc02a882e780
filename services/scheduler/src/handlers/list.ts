import type { HandlerContext } from "@connectrpc/connect";
import type { ListRequest, ListResponse } from "@trainyard/client";
import { ALL_NAMESPACES, InvalidArgumentError, PermissionDeniedError, principalOf, seesNamespace, type TaskState } from "@trainyard/common";
import { stateFromProto, taskToProto } from "../api/convert.js";
import { ARRAY_LABEL, requireArrayId } from "../core/arrays.js";
import { DEFAULT_PAGE_SIZE, listTasks, MAX_PAGE_SIZE } from "../core/list.js";
import type { SchedulerDeps } from "../deps.js";
import { readRecords } from "./read-records.js";

/**
 * List from this replica's view: newest first, filtered (states, labels, array), paged (page_size above 1000 is 1000).
 * Only the caller's namespace; a caller of every namespace (admin) may name one, or see all.
 * The view filters summaries; the page's final tasks are then read from KV (the view holds only
 * tasks not final whole), a task deleted meanwhile left out.
 */
export function list(d: SchedulerDeps) {
  return async (req: ListRequest, ctx: HandlerContext): Promise<ListResponse> => {
    const p = principalOf(ctx);
    if (req.namespace && !seesNamespace(p, req.namespace)) throw new PermissionDeniedError(`namespace: ${p.name} may list only namespace ${p.namespace}`);
    const namespace = req.namespace || (p.namespace === ALL_NAMESPACES ? undefined : p.namespace);
    const states: TaskState[] = req.states.map((s, i) => {
      const st = stateFromProto(s);
      if (!st) throw new InvalidArgumentError(`states[${i}]`, `${s} is not a task state`);
      return st;
    });
    if (req.pageSize < 0) throw new InvalidArgumentError("page_size", "must not be negative");
    const pageSize = Math.min(req.pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const afterId = req.pageToken ? decodeToken(req.pageToken) : undefined;
    await d.view.ready;
    const labels = req.arrayId ? { ...req.labels, [ARRAY_LABEL]: requireArrayId(req.arrayId) } : req.labels;
    const page = listTasks(d.view, { ...(namespace !== undefined ? { namespace } : {}), states, labels, pageSize, afterId });
    const records = await readRecords(d, page.tasks);
    return {
      $typeName: "trainyard.v1.ListResponse",
      tasks: records.map((t) => taskToProto(d.positions.shown(t))),
      nextPageToken: page.nextAfterId ? Buffer.from(page.nextAfterId).toString("base64url") : "",
    };
  };
}

function decodeToken(token: string): string {
  const id = Buffer.from(token, "base64url").toString();
  if (!/^t-[0-9a-z]+$/.test(id)) throw new InvalidArgumentError("page_token", "is not a token this server gave out");
  return id;
}
