import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import type { TaskRecord } from "@trainyard/common";
import { mirrorBucket } from "./mirror-bucket.js";
import { decodeRecord } from "./task-store.js";

/**
 * Each scheduler replica's in-memory view of every task, fed by a watch on the KV bucket.
 * Serves List and drives the dispatch loop; Get reads KV directly. Eventually consistent with
 * KV, except that a replica's own writes are applied at once (offer()), so a client that
 * submits and then lists on the same replica sees its task.
 *
 *   starting ──initial values loaded──▶ ready ──stop()──▶ stopped
 */
export class TaskView {
  private readonly tasks = new Map<string, { task: TaskRecord; revision: number }>();
  private readonly listeners = new Set<(t: TaskRecord, revision: number) => void>();
  private mirror?: { ready: Promise<void>; stop(): void };

  /** Resolves once the records stored at start were read (call after start()). */
  get ready(): Promise<void> {
    if (!this.mirror) throw new Error("start() first");
    return this.mirror.ready;
  }

  constructor(
    private readonly kv: KV,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.mirror = await mirrorBucket(
      this.kv,
      (e) => {
        if (e.operation !== "PUT") return void this.tasks.delete(e.key);
        const t = decodeRecord(e.value);
        if (t) this.offer(t, e.revision);
      },
      this.logger,
      "task view",
    );
  }

  stop(): void {
    this.mirror?.stop();
  }

  /** Takes a record at a revision unless a newer one is already here. */
  offer(task: TaskRecord, revision: number): void {
    const cur = this.tasks.get(task.id);
    if (cur && cur.revision >= revision) return;
    this.tasks.set(task.id, { task, revision });
    for (const l of this.listeners) l(task, revision);
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
