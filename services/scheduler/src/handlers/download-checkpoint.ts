import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { DownloadCheckpointRequest, DownloadCheckpointResponse } from "@trainyard/client";
import { CheckpointCorruptError, CheckpointMissingError, checkpointName, principalOf } from "@trainyard/common";
import type { SchedulerDeps } from "../deps.js";
import { requireTaskId } from "./task-id.js";
import { visibleTask } from "./visible.js";

/** The largest piece of the archive sent in one message. */
const PIECE = 1024 * 1024;

/**
 * DownloadCheckpoint: the task's newest save (Task.last_checkpoint) as its tar archive, in
 * order, each piece at most 1 MiB. NOT_FOUND when there is none; ABORTED when a newer save
 * replaced it while it was read (download again); DATA_LOSS when the data is not the save the
 * record holds (the client must drop what it got).
 */
export function downloadCheckpoint(d: SchedulerDeps) {
  return async function* (req: DownloadCheckpointRequest, ctx: HandlerContext): AsyncGenerator<DownloadCheckpointResponse> {
    const id = requireTaskId(req.taskId);
    const { task } = await visibleTask(d, id, principalOf(ctx));
    const c = task.lastCheckpoint;
    if (!c) throw new ConnectError(`task ${id} has no checkpoint${task.spec.checkpoint ? " yet" : " (its spec asks for none)"}`, Code.NotFound);
    const name = checkpointName(id, c);
    try {
      for await (const data of d.checkpoints.read(name, c.digest)) {
        ctx.signal.throwIfAborted();
        for (let at = 0; at < data.length; at += PIECE) yield { $typeName: "trainyard.v1.DownloadCheckpointResponse", data: data.subarray(at, at + PIECE) };
      }
    } catch (err) {
      if (err instanceof CheckpointMissingError) {
        const now = (await d.store.get(id))?.task.lastCheckpoint;
        if (now && checkpointName(id, now) !== name) throw new ConnectError(`a newer checkpoint of task ${id} replaced this one while it was read: download again`, Code.Aborted);
        throw new ConnectError(`the checkpoint of task ${id} is gone from the object store`, Code.NotFound);
      }
      if (err instanceof CheckpointCorruptError) throw new ConnectError(err.message, Code.DataLoss);
      throw err;
    }
  };
}
