/**
 * Deletes everything of a task: its log frames (LOGS), its claims, its checkpoint, its idempotency key (when it
 * still names this task), then its record, last, so that a purge cut short is found and finished
 * by the next sweep. The record goes with a purge that leaves a marker (every replica's watch sees
 * the task go), and the marker itself is removed later (`dropMarker`). Each step is idempotent, so
 * two replicas purging one task at once do no harm.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { BUCKET, checkpointName, deleteCheckpoint, namespaceOf, STREAM, taskLogFilter } from "@trainyard/common";
import { idempotencyKeyOf } from "./idempotency.js";
import { decodeRecord } from "./task-store.js";

export interface Purger {
  /** Deletes the task and all that is its; false when its record changed since `revision` (it is kept). */
  purge(taskId: string, revision: number): Promise<boolean>;
  /** Removes the purge marker a purged task left in the tasks bucket. */
  dropMarker(taskId: string): Promise<void>;
}

export class JetStreamPurger implements Purger {
  constructor(
    private readonly jsm: JetStreamManager,
    private readonly tasks: KV,
    private readonly idempotency: KV,
  ) {}

  async purge(id: string, revision: number): Promise<boolean> {
    const e = await this.tasks.get(id);
    const task = e?.operation === "PUT" && e.revision === revision ? decodeRecord(e.value) : null;
    if (!task) return false;
    await this.jsm.streams.purge(STREAM.logs, { filter: taskLogFilter(id) });
    await this.jsm.streams.purge(`KV_${BUCKET.claims}`, { filter: `$KV.${BUCKET.claims}.${id}.>` });
    if (task.lastCheckpoint) await deleteCheckpoint(this.jsm, checkpointName(id, task.lastCheckpoint));
    if (task.idempotencyKey) {
      const k = idempotencyKeyOf(namespaceOf(task), task.idempotencyKey);
      const e = await this.idempotency.get(k);
      if (e?.operation === "PUT" && e.string() === id) await this.idempotency.purge(k, { previousSeq: e.revision });
    }
    try {
      await this.tasks.purge(id, { previousSeq: revision });
      return true;
    } catch {
      return false; // changed (or gone) meanwhile: the next sweep decides again
    }
  }

  async dropMarker(taskId: string): Promise<void> {
    await this.jsm.streams.purge(`KV_${BUCKET.tasks}`, { filter: `$KV.${BUCKET.tasks}.${taskId}` });
  }
}
