/**
 * The tasks table's data, pure: filtering by state and label, newest first. `label` is "key" (has
 * it) or "key=value"; `text` matches ids, images and messages.
 */
import type { Task } from "@trainyard/client/web";

export interface TaskFilter {
  /** TaskState numbers shown; empty: all. */
  states: ReadonlySet<number>;
  label: string;
  text: string;
}

export function filterTasks(tasks: Iterable<Task>, f: TaskFilter): Task[] {
  const [key, value] = splitLabel(f.label);
  const text = f.text.trim().toLowerCase();
  const out: Task[] = [];
  for (const t of tasks) {
    if (f.states.size && !f.states.has(t.state)) continue;
    if (key && (value === undefined ? !Object.hasOwn(t.spec?.labels ?? {}, key) : !Object.hasOwn(t.spec?.labels ?? {}, key) || t.spec!.labels[key] !== value)) continue;
    if (text && !`${t.id} ${t.spec?.image ?? ""} ${t.message}`.toLowerCase().includes(text)) continue;
    out.push(t);
  }
  return out.sort((a, b) => createMs(b) - createMs(a) || (a.id < b.id ? 1 : -1));
}

function splitLabel(label: string): [string, string | undefined] {
  const l = label.trim();
  const eq = l.indexOf("=");
  return eq < 0 ? [l, undefined] : [l.slice(0, eq), l.slice(eq + 1)];
}

export function createMs(t: Task): number {
  return t.createTime ? Number(t.createTime.seconds) * 1000 + t.createTime.nanos / 1e6 : 0;
}
