/**
 * Retention (TRAINYARD_TASK_RETENTION): every `everyMs`, the replica holding the placer lease
 * deletes the final tasks that have outlived the retention (TaskView.expired), each with its log
 * frames, claims and idempotency key (store/purge.ts), at most BATCH a sweep. Another replica
 * doing the same at the same moment does no harm (every step is idempotent, the record goes by
 * compare-and-set). The purge markers left in the tasks bucket are removed MARKER_MS later, once
 * every replica's watch has seen them. A tasks bucket near its cap makes finished tasks go early.
 */
import type { Logger } from "pino";
import { retentionCut, type BucketUsage } from "../core/retention.js";
import type { Purger } from "../store/purge.js";
import type { TaskView } from "../store/task-view.js";

export interface RetentionLoopOptions {
  view: TaskView;
  purger: Purger;
  retentionMs: number;
  /** May this replica sweep now (it holds the placer lease)? */
  active: () => boolean;
  clock: () => number;
  logger: Logger;
  everyMs?: number;
  /** The tasks bucket's size and cap: above most of it, finished tasks go early (core/retention.ts). */
  usage?: () => Promise<BucketUsage | undefined>;
}

const BATCH = 500;
/** How long a purge marker stays before it is removed. */
const MARKER_MS = 5 * 60_000;

export class RetentionLoop {
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  /** Task id → when it was purged (its marker is removed MARKER_MS later). */
  private readonly markers = new Map<string, number>();
  /** Tasks deleted so far by this replica. */
  deleted = 0;

  constructor(private readonly o: RetentionLoopOptions) {}

  start(): void {
    const every = this.o.everyMs ?? Math.max(1_000, Math.min(5 * 60_000, this.o.retentionMs / 20));
    this.timer = setInterval(() => void this.sweep(), every);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    if (this.sweeping || !this.o.active()) return;
    this.sweeping = true;
    try {
      const now = this.o.clock();
      const usage = await this.o.usage?.();
      const cut = retentionCut(now, this.o.retentionMs, BATCH, usage);
      if (cut.early) this.o.logger.warn({ ...usage, deleting: cut.early }, "tasks bucket near its cap (TRAINYARD_TASKS_MAX_BYTES): finished tasks deleted before their retention, oldest first");
      for (const t of this.o.view.expired(cut.cutoff, cut.limit)) {
        if (!this.o.active()) break;
        try {
          if (await this.o.purger.purge(t.id, t.revision)) {
            this.deleted++;
            this.markers.set(t.id, now);
            this.o.logger.info({ task: t.id, ended: t.at }, "task deleted: past its retention");
          }
        } catch (err) {
          this.o.logger.warn({ task: t.id, err: String(err) }, "task not deleted; trying again next sweep");
        }
      }
      for (const [id, at] of this.markers) {
        if (now - at < MARKER_MS) continue;
        await this.o.purger.dropMarker(id).then(
          () => this.markers.delete(id),
          (err: unknown) => this.o.logger.debug({ task: id, err: String(err) }, "purge marker not removed yet"),
        );
      }
    } finally {
      this.sweeping = false;
    }
  }
}
