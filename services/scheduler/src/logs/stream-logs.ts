import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { isFinal, UnavailableError, type LogFrame } from "@trainyard/common";
import { decodeRecord } from "../store/task-store.js";
import { lastFrameSeq, readFrames } from "./frames.js";
import { TailBuffer } from "./tail.js";

export interface StreamLogsOptions {
  afterSeq: number;
  follow: boolean;
  tailLines: number;
  signal: AbortSignal;
}

/**
 * A task's log as batches of frames: replay from JetStream, then (follow) live frames until
 * the task is final and its last frame went out. The agent flushes every frame of an attempt
 * before it reports the end, and the scheduler writes its own lines before the record, so
 * "final in KV" means "the log is complete": the end is the last frame stored at that moment.
 * The caller checks that the task exists.
 */
export async function* streamLogs(
  js: JetStreamClient,
  jsm: JetStreamManager,
  tasks: KV,
  taskId: string,
  o: StreamLogsOptions,
): AsyncGenerator<LogFrame[]> {
  let after = o.afterSeq;
  const endNow = await lastFrameSeq(jsm, taskId);

  if (o.tailLines > 0) {
    const tail = new TailBuffer(o.tailLines);
    for await (const batch of readFrames(js, taskId, after, () => endNow, Promise.resolve(), o.signal)) {
      for (const f of batch) tail.push(f);
    }
    const frames = tail.result();
    if (frames.length) yield frames;
    after = Math.max(after, endNow);
  }

  if (!o.follow) {
    yield* readFrames(js, taskId, after, () => endNow, Promise.resolve(), o.signal);
    return;
  }

  let end = Infinity;
  const watch = await tasks.watch({ key: taskId });
  const final = (async () => {
    for await (const e of watch) {
      const t = e.operation === "PUT" ? decodeRecord(e.value) : null;
      if (!t || isFinal(t.state)) return;
    }
    // The watch ended without a final state (connection closed, or we stopped it): not an end.
    throw new UnavailableError("lost the task's state while following; resume with after_seq");
  })();
  const ended = final.then(async () => {
    end = await lastFrameSeq(jsm, taskId);
  });
  ended.catch(() => {}); // readFrames sees the rejection; this keeps a late one from going unhandled
  try {
    yield* readFrames(js, taskId, after, () => end, ended, o.signal);
  } finally {
    watch.stop();
  }
}
