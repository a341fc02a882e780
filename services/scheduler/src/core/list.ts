/**
 * List's filter and paging over the task index. Pure.
 * Newest first (task ids sort by creation time); namespace: that one; states: any of; labels: all of.
 * The page token is the id of the last task of the previous page.
 */
import type { TaskState } from "@trainyard/common";
import type { IndexQuery, TaskSummary } from "./task-index/task-index.js";

export interface ListQuery {
  /** Only tasks of this namespace; undefined: of every namespace. */
  namespace?: string;
  states: TaskState[];
  labels: Record<string, string>;
  pageSize: number;
  afterId?: string;
}

export interface ListPage {
  tasks: TaskSummary[];
  nextAfterId?: string;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1_000;

export function listTasks(index: { page(q: IndexQuery): { tasks: TaskSummary[]; more: boolean } }, q: ListQuery): ListPage {
  const { tasks, more } = index.page({
    ...(q.namespace !== undefined ? { namespace: q.namespace } : {}),
    states: new Set(q.states),
    labels: Object.entries(q.labels),
    ...(q.afterId !== undefined ? { beforeId: q.afterId } : {}),
    limit: q.pageSize,
  });
  const last = tasks[tasks.length - 1];
  return more && last ? { tasks, nextAfterId: last.id } : { tasks };
}
