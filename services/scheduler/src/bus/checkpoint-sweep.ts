/**
 * The checkpoints store's sweep: every `everyMs`, the replica holding the placer lease deletes
 * saves nobody will restore and the chunks of writes that never ended, once older than
 * `everyMs` (core/checkpoint.ts decides). The event consumer deletes superseded and refused saves
 * as they come and retention deletes a task's save with it; this catches what those missed (a
 * replica killed in between, an agent killed mid-write).
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { checkpointName, deleteCheckpoint, listCheckpoints, purgeChunks } from "@trainyard/common";
import { isUnclaimedSave, parseCheckpointName } from "../core/checkpoint.js";
import type { TaskStore } from "../store/task-store.js";

export interface CheckpointSweepOptions {
  jsm: JetStreamManager;
  store: Pick<TaskStore, "get">;
  active: () => boolean;
  clock: () => number;
  logger: Logger;
  everyMs: number;
}

export class CheckpointSweep {
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  /** Saves and chunk sets deleted so far by this replica. */
  deleted = 0;

  constructor(private readonly o: CheckpointSweepOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.o.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    if (this.sweeping || !this.o.active()) return;
    this.sweeping = true;
    const { jsm, logger, everyMs } = this.o;
    try {
      const now = this.o.clock();
      const { objects, orphanChunks } = await listCheckpoints(jsm);
      for (const obj of objects) {
        const save = parseCheckpointName(obj.name);
        const task = save ? (await this.o.store.get(save.taskId))?.task : undefined;
        const last = task ? (task.lastCheckpoint ? checkpointName(task.id, task.lastCheckpoint) : null) : undefined;
        if (!isUnclaimedSave(obj.name, Date.parse(obj.mtime), last, now, everyMs)) continue;
        await deleteCheckpoint(jsm, obj.name);
        this.deleted++;
        logger.info({ checkpoint: obj.name, task: save?.taskId }, "checkpoint deleted: nobody will restore it");
      }
      for (const c of orphanChunks) {
        if (now - c.time < everyMs) continue;
        await purgeChunks(jsm, c.nuid);
        this.deleted++;
        logger.info({ nuid: c.nuid }, "checkpoint chunks deleted: their write never ended");
      }
    } catch (err) {
      logger.warn({ err: String(err) }, "checkpoint sweep failed; trying again next time");
    } finally {
      this.sweeping = false;
    }
  }
}
