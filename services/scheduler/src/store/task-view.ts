/**
 * Each scheduler replica's in-memory view of the tasks, fed by a watch on the KV bucket
 * (store/kv-mirror.ts). Holds whole records only of tasks not yet final (what placement, dispatch
 * and Watch work on); of every task, final ones included, a summary in the TaskIndex (what List
 * filters and retention expires), so memory does not grow with the history kept: a final task's
 * record is read from KV when it is asked for. Eventually consistent with KV, except that a
 * replica's own writes are applied at once (the applier offers them), so a client that submits
 * and then lists on the same replica sees its task.
 *
 *   loading ──markLoaded() (the records stored when the feed began were read)──▶ ready
 */
import { FINAL_STATES, isFinal, namespaceOf, type TaskRecord, type TaskState } from "@trainyard/common";
import { ARRAY_LABEL } from "../core/arrays.js";
import { TaskIndex, type IndexQuery, type TaskSummary } from "../core/task-index/task-index.js";
import type { StoredSink } from "./applier.js";

export class TaskView implements StoredSink {
  private readonly index = new TaskIndex();
  /** Tasks not final, whole. */
  private readonly live = new Map<string, { task: TaskRecord; revision: number }>();
  private readonly listeners = new Set<(t: TaskRecord, revision: number) => void>();
  private readonly removeListeners = new Set<(id: string) => void>();
  /** PENDING tasks per namespace (max_pending). */
  private readonly pendingByNs = new Map<string, number>();
  private loaded!: () => void;
  /** Resolves once the feed has handed over every record stored when it began. */
  readonly ready = new Promise<void>((r) => (this.loaded = r));

  markLoaded(): void {
    this.index.merge();
    this.loaded();
  }

  /** Takes a record at a revision unless a newer one is already here. */
  offer(task: TaskRecord, revision: number): void {
    const cur = this.index.get(task.id);
    if (cur && cur.revision >= revision) return;
    if (cur) this.count(cur, -1);
    const summary = summarize(task, revision);
    this.count(summary, 1);
    this.index.put(summary);
    if (isFinal(task.state)) this.live.delete(task.id);
    else this.live.set(task.id, { task, revision });
    for (const l of this.listeners) l(task, revision);
  }

  remove(id: string): void {
    const cur = this.index.get(id);
    if (!cur) return;
    this.count(cur, -1);
    this.index.remove(id);
    this.live.delete(id);
    for (const l of this.removeListeners) l(id);
  }

  /** Called with the id of every record removed from this view. Returns an unsubscribe. */
  onRemove(listener: (id: string) => void): () => void {
    this.removeListeners.add(listener);
    return () => this.removeListeners.delete(listener);
  }

  /** How many of `namespace`'s tasks are PENDING. */
  pendingIn(namespace: string): number {
    return this.pendingByNs.get(namespace) ?? 0;
  }

  private count(s: TaskSummary, by: 1 | -1): void {
    if (s.state !== "PENDING") return;
    this.pendingByNs.set(s.namespace, (this.pendingByNs.get(s.namespace) ?? 0) + by);
  }

  revisionOf(id: string): number | undefined {
    return this.live.get(id)?.revision ?? this.index.get(id)?.revision;
  }

  /** Tasks not final, whole. */
  active(): IterableIterator<TaskRecord> {
    return (function* (m) {
      for (const v of m.values()) yield v.task;
    })(this.live);
  }

  /** A task not final, whole, with the revision this view has of it; undefined for final ones. */
  current(id: string): { task: TaskRecord; revision: number } | undefined {
    return this.live.get(id);
  }

  /** A task not final, whole; undefined for final ones (read those from the store). */
  get(id: string): TaskRecord | undefined {
    return this.live.get(id)?.task;
  }

  /** Any task's state and namespace, final or not; undefined for a task this view does not hold. */
  summary(id: string): TaskSummary | undefined {
    return this.index.get(id);
  }

  /** Summaries of every task matching `q`, newest first (TaskIndex.page). */
  page(q: IndexQuery): { tasks: TaskSummary[]; more: boolean } {
    return this.index.page(q);
  }

  /** Final tasks that ended at or before `cutoff`, up to `limit`. */
  expired(cutoff: number, limit: number): TaskSummary[] {
    return this.index.expired(cutoff, limit, FINAL_STATES);
  }

  countByState(): Record<TaskState, number> {
    return this.index.countByState();
  }

  /** Called with every record this view takes, after it takes it. Returns an unsubscribe. */
  onChange(listener: (t: TaskRecord, revision: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function summarize(t: TaskRecord, revision: number): TaskSummary {
  return {
    id: t.id,
    namespace: namespaceOf(t),
    state: t.state,
    // An array's tasks carry its id as a label here (not in the spec): List by array_id is a label filter.
    labels: t.array ? { ...t.spec.labels, [ARRAY_LABEL]: t.array.id } : t.spec.labels,
    at: isFinal(t.state) ? (t.endTime ?? t.createTime) : t.createTime,
    revision,
  };
}
