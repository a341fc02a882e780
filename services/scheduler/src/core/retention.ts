/** Which final tasks have outlived TRAINYARD_TASK_RETENTION. Pure. */
import { isFinal, type TaskRecord } from "@trainyard/common";

/**
 * Final tasks that ended (or, without an end time, were created) at least `retentionMs` before
 * `now`, at most `limit` of them, oldest first.
 */
export function expiredTasks(tasks: Iterable<TaskRecord>, now: number, retentionMs: number, limit: number): TaskRecord[] {
  const out: TaskRecord[] = [];
  for (const t of tasks) if (isFinal(t.state) && endedAt(t) + retentionMs <= now) out.push(t);
  return out.sort((a, b) => endedAt(a) - endedAt(b)).slice(0, limit);
}

function endedAt(t: TaskRecord): number {
  return t.endTime ?? t.createTime;
}
