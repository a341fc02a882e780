/**
 * Low-level reads of a task's frames on the LOGS stream. A frame's seq is its stream sequence.
 */
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { decodeFrame, sleep, STREAM, taskLogFilter, UnavailableError, type LogFrame } from "@trainyard/common";

/** Seq of the task's last frame, 0 when it has none. */
export async function lastFrameSeq(jsm: JetStreamManager, taskId: string): Promise<number> {
  const m = await jsm.streams.getMessage(STREAM.logs, { last_by_subj: taskLogFilter(taskId) });
  return m?.seq ?? 0;
}

export interface FrameBatch {
  frames: LogFrame[];
}

const BATCH_BYTES = 256 * 1024;
const CLOSE_WAIT_MS = 1_000;
const BATCH_FRAMES = 512;

/**
 * Frames with seq > afterSeq, in order, batched (a batch ends when nothing more is waiting in
 * the stream, or at 256 KiB / 512 frames). Ends once a frame with seq >= `until()` went out;
 * `until` may change while reading (follow: unknown, Infinity, until the task ends).
 * The underlying ordered consumer pulls at most 128 frames (8 MiB) ahead: memory stays bounded however
 * slow the reader. `wake` resolves when `until` may have changed. Stops when `signal` aborts.
 */
export async function* readFrames(
  js: JetStreamClient,
  taskId: string,
  afterSeq: number,
  until: () => number,
  wake: Promise<unknown>,
  signal: AbortSignal,
): AsyncGenerator<LogFrame[]> {
  let last = afterSeq;
  if (last >= until()) return;
  const consumer = await js.consumers.get(STREAM.logs, {
    filter_subjects: taskLogFilter(taskId),
    ...(afterSeq > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 } : { deliver_policy: DeliverPolicy.All }),
  });
  const messages = await consumer.consume({ max_messages: 128 });
  const close = () => void messages.close();
  signal.addEventListener("abort", close, { once: true });
  const it = messages[Symbol.asyncIterator]();
  try {
    let batch: LogFrame[] = [];
    let bytes = 0;
    let next = it.next();
    let woken = wake.then(() => "wake" as const);
    for (;;) {
      const r = await Promise.race([next, woken]);
      signal.throwIfAborted();
      if (r === "wake") {
        woken = new Promise(() => {}); // until() is final now; only frames remain to wait for
        if (last >= until()) break;
        continue;
      }
      // The consumer stopped without an error (connection closed or drained) before the end.
      if (r.done) throw new UnavailableError("log stream interrupted; resume with after_seq");
      next = it.next();
      const f = decodeFrame(r.value);
      if (f.seq <= last) continue;
      last = f.seq;
      batch.push(f);
      bytes += f.data.length;
      const more = r.value.info.pending > 0 && last < until();
      if (!more || bytes >= BATCH_BYTES || batch.length >= BATCH_FRAMES) {
        yield batch;
        batch = [];
        bytes = 0;
      }
      if (last >= until()) break;
    }
    if (batch.length) yield batch;
  } finally {
    signal.removeEventListener("abort", close);
    // nats.js's close() of these messages can stay pending for good (seen when two reads of one
    // task ended together just after a reconnect): the consumer is ephemeral and goes by itself,
    // so its close gets a moment, not an unbounded wait.
    await Promise.race([messages.close().catch(() => {}), sleep(CLOSE_WAIT_MS)]);
  }
  signal.throwIfAborted();
}
