/**
 * The one place a task changes (Nomad's planner): read → decide (core/transition.ts, pure) →
 * publish the decision's SYSTEM lines → compare-and-set → update this replica's view. On a
 * lost race it reads again and decides again, so any number of scheduler replicas may apply
 * inputs to the same task at once. Safe to call twice with the same input: the second call
 * changes nothing. Lines go out before the record, so a task seen in a final state has all of
 * its log.
 *
 * The read is this replica's view when it holds the record (tasks not final): the
 * compare-and-set on the view's revision is what proves it current, and a stale copy costs one
 * lost race, then a read from the store. Only a write is decided on that copy: a decision that
 * changes nothing, or one with SYSTEM lines (which go out before the write), is decided again on
 * the store's record, so a stale view never drops an input or repeats a line.
 */
import { ConflictError, NotFoundError, type TaskRecord } from "@trainyard/common";
import { transition, withFenceSeq, type Input } from "../core/transition.js";
import type { StoredTask, TaskStore } from "./task-store.js";

/** Where Trainyard's own lines about a task go (the LOGS stream); returns the line's seq. */
export interface SystemLog {
  line(taskId: string, attempt: number, text: string, timeMs: number, fence: boolean): Promise<number>;
}

/** What learns of every record this replica stored (its task view). */
export interface StoredSink {
  offer(task: TaskRecord, revision: number): void;
  /** The record as this replica last saw it, if it holds it; may be behind the store. */
  current?(id: string): StoredTask | undefined;
}

export interface Applier {
  /**
   * Applies `input` to the task; `now` is the scheduler's clock (retry delays count from it).
   * `before`: the record it changed (absent when nothing changed). Throws NotFoundError.
   */
  apply(taskId: string, input: Input, now?: number): Promise<StoredTask & { before?: TaskRecord }>;
  /** Stores a new task (ConflictError when its id exists). */
  create(task: TaskRecord): Promise<StoredTask>;
}

/** How often a compare-and-set may lose in a row before the conflict is the caller's. */
const MAX_CONFLICTS = 50;

export function createApplier(o: { store: TaskStore; systemLog: SystemLog; view: StoredSink }): Applier {
  const { store, systemLog, view } = o;
  const stored = (s: StoredTask) => (view.offer(s.task, s.revision), s);
  return {
    async apply(taskId, input, now = input.time) {
      let seen = view.current?.(taskId);
      for (let conflicts = 0; ; conflicts++) {
        const cur = seen ?? (await store.get(taskId));
        const fromStore = !seen;
        seen = undefined;
        if (!cur) throw new NotFoundError("task", taskId);
        const t = transition(cur.task, input, now);
        if (!fromStore && (!t.changed || t.lines.length > 0)) continue; // decided again on the store's record
        if (!t.changed) return stored(cur);
        let task = t.task;
        for (const line of t.lines) {
          const seq = await systemLog.line(taskId, line.attempt, line.text, input.time, line.fence ?? false);
          if (line.fence) task = withFenceSeq(task, line.attempt, seq);
        }
        try {
          return { ...stored({ task, revision: await store.update(task, cur.revision, cur.task) }), before: cur.task };
        } catch (err) {
          if (!(err instanceof ConflictError) || conflicts >= MAX_CONFLICTS) throw err;
        }
      }
    },
    async create(task) {
      return stored({ task, revision: await store.create(task) });
    },
  };
}
