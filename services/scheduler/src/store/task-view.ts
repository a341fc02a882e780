/**
 * Each scheduler replica's in-memory view of every task, fed by a watch on the KV bucket
 * (store/kv-mirror.ts). Serves List and Watch and drives the dispatch loop; Get reads KV
 * directly. Eventually consistent with KV, except that a replica's own writes are applied at once
 * (the applier offers them), so a client that submits and then lists on the same replica sees
 * its task.
 *
 *   loading ──markLoaded() (the records stored when the feed began were read)──▶ ready
 */
import { namespaceOf, type TaskRecord } from "@trainyard/common";
import type { StoredSink } from "./applier.js";

export class TaskView implements StoredSink {
  private readonly tasks = new Map<string, { task: TaskRecord; revision: number }>();
  private readonly listeners = new Set<(t: TaskRecord, revision: number) => void>();
  private readonly removeListeners = new Set<(id: string) => void>();
  /** PENDING tasks per namespace (max_pending). */
  private readonly pendingByNs = new Map<string, number>();
  private loaded!: () => void;
  /** Resolves once the feed has handed over every record stored when it began. */
  readonly ready = new Promise<void>((r) => (this.loaded = r));

  markLoaded(): void {
    this.loaded();
  }

  /** Takes a record at a revision unless a newer one is already here. */
  offer(task: TaskRecord, revision: number): void {
    const cur = this.tasks.get(task.id);
    if (cur && cur.revision >= revision) return;
    if (cur) this.count(cur.task, -1);
    this.count(task, 1);
    this.tasks.set(task.id, { task, revision });
    for (const l of this.listeners) l(task, revision);
  }

  remove(id: string): void {
    const cur = this.tasks.get(id);
    if (!cur) return;
    this.count(cur.task, -1);
    this.tasks.delete(id);
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

  private count(t: TaskRecord, by: 1 | -1): void {
    if (t.state !== "PENDING") return;
    const ns = namespaceOf(t);
    this.pendingByNs.set(ns, (this.pendingByNs.get(ns) ?? 0) + by);
  }

  revisionOf(id: string): number | undefined {
    return this.tasks.get(id)?.revision;
  }

  values(): IterableIterator<TaskRecord> {
    return (function* (m) {
      for (const v of m.values()) yield v.task;
    })(this.tasks);
  }

  get(id: string): TaskRecord | undefined {
    return this.tasks.get(id)?.task;
  }

  get size(): number {
    return this.tasks.size;
  }

  /** Called with every record this view takes, after it takes it. Returns an unsubscribe. */
  onChange(listener: (t: TaskRecord, revision: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
