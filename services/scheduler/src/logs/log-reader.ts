/**
 * A task's log as batches of frames: replay from JetStream, then (follow) live frames until
 * the task is final and its last frame went out. The agent flushes every frame of an attempt
 * before it reports the end, and the scheduler writes its own lines before the record, so
 * "final in KV" means "the log is complete": the end is the last frame stored at that moment.
 * The caller checks that the task exists.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { isFinal, sleep, UnavailableError, type LogFrame, type TaskRecord } from "@trainyard/common";
import type { TaskStore } from "../store/task-store.js";
import { frameFilter, onlyFrames, type FrameFilterOptions } from "./frame-filter.js";
import { lastFrameSeq, readFrames } from "./frames.js";
import { LateFrames } from "./late-frames.js";
import { TailBuffer } from "./tail.js";

export interface LogReader {
  read(taskId: string, o: StreamLogsOptions): AsyncGenerator<LogFrame[]>;
}

export interface StreamLogsOptions extends FrameFilterOptions {
  afterSeq: number;
  follow: boolean;
  /** The last lines of what exists when the call starts (of the frames the filters keep). */
  tailLines: number;
  signal: AbortSignal;
}

/** The node the claims bucket names for an attempt; null when nobody claimed it. */
export type ClaimHolder = (taskId: string, attempt: number) => Promise<string | null>;

export class JetStreamLogReader implements LogReader {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly store: TaskStore,
    private readonly claimHolder: ClaimHolder,
  ) {}

  read(taskId: string, o: StreamLogsOptions): AsyncGenerator<LogFrame[]> {
    return streamLogs(this.js, this.jsm, this.store, this.claimHolder, taskId, o);
  }
}

async function* streamLogs(
  js: JetStreamClient,
  jsm: JetStreamManager,
  store: TaskStore,
  claimHolder: ClaimHolder,
  taskId: string,
  o: StreamLogsOptions,
): AsyncGenerator<LogFrame[]> {
  let after = o.afterSeq;
  const endNow = await lastFrameSeq(jsm, taskId);
  const record = () => store.get(taskId).then((s) => s?.task ?? null);
  const late = new LateFrames(await record());
  const holder = (attempt: number) => claimHolder(taskId, attempt);
  const keep = frameFilter(o);
  const read = (until: () => number, wake: Promise<unknown>) => onlyFrames(shown(readFrames(js, taskId, after, until, wake, o.signal), late, record, holder, o.signal), keep);

  if (o.tailLines > 0) {
    const tail = new TailBuffer(o.tailLines);
    for await (const batch of read(() => endNow, Promise.resolve())) {
      for (const f of batch) tail.push(f);
    }
    const frames = tail.result();
    if (frames.length) yield frames;
    after = Math.max(after, endNow);
  }

  if (!o.follow) {
    yield* read(() => endNow, Promise.resolve());
    return;
  }

  let end = Infinity;
  const watch = await store.watch(taskId);
  const final = (async () => {
    for await (const t of watch) {
      if (t) late.learn(t);
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
    yield* read(() => end, ended);
  } finally {
    watch.stop();
  }
}

/** How long a reader that met a fencing line waits for the record that confirms (or drops) it. */
const FENCE_CONFIRM_MS = 2_000;

/** Batches without a fenced agent's late frames nor foreign ones; batches left empty are skipped. */
async function* shown(
  batches: AsyncGenerator<LogFrame[]>,
  late: LateFrames,
  record: () => Promise<TaskRecord | null>,
  holder: (attempt: number) => Promise<string | null>,
  signal: AbortSignal,
): AsyncGenerator<LogFrame[]> {
  for await (const batch of batches) {
    for (const attempt of late.unknownHolders(batch)) {
      const node = await holder(attempt);
      if (node) late.hold(attempt, node);
    }
    for (let waited = 0; late.needsRecord(batch) && waited < FENCE_CONFIRM_MS; waited += 100) {
      const t = await record();
      if (t) late.learn(t);
      if (late.needsRecord(batch)) await sleep(100, signal);
    }
    const kept = late.keep(batch);
    if (kept.length) yield kept;
  }
}
