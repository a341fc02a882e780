/**
 * List's filter and paging over a snapshot of tasks. Pure.
 * Newest first (task ids sort by creation time); namespace: that one; states: any of; labels: all of.
 * The page token is the id of the last task of the previous page.
 */
import { namespaceOf, type TaskRecord, type TaskState } from "@trainyard/common";

export interface ListQuery {
  /** Only tasks of this namespace; undefined: of every namespace. */
  namespace?: string;
  states: TaskState[];
  labels: Record<string, string>;
  pageSize: number;
  afterId?: string;
}

export interface ListPage {
  tasks: TaskRecord[];
  nextAfterId?: string;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1_000;

export function listTasks(all: Iterable<TaskRecord>, q: ListQuery): ListPage {
  const states = new Set(q.states);
  const labels = Object.entries(q.labels);
  const matches = [...all]
    .filter((t) => q.namespace === undefined || namespaceOf(t) === q.namespace)
    .filter((t) => (states.size === 0 || states.has(t.state)) && labels.every(([k, v]) => t.spec.labels[k] === v))
    .filter((t) => q.afterId === undefined || t.id < q.afterId)
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const tasks = matches.slice(0, q.pageSize);
  const last = tasks[tasks.length - 1];
  return matches.length > q.pageSize && last ? { tasks, nextAfterId: last.id } : { tasks };
}
