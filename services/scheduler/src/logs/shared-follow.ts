/**
 * Many followers of one task cost one read: a LogReader that serves `follow` calls of a task
 * from one shared live read per replica (a Hub), and everything else from the reader it wraps.
 *
 *   follower(after_seq) ── after < hub.start ──▶ its own replay up to the hub's start
 *        │                                        │
 *        ▼                                        ▼
 *   hub ring: the frames since the hub began (bounded) ──▶ each follower at its own pace
 *        │ fell behind what the ring still holds: its own read from where it is (never slows the others)
 *        │ hub read ended (task final, last frame out): the follower ends once it has the last frame
 *        └ hub read failed: the follower's call fails with that error (the client resumes with after_seq)
 *
 * The hub's read is the wrapped reader's own follow (fencing filters and the end rule included),
 * started at the task's last frame when the first follower came; it stops when the last one leaves.
 */
import type { LogFrame } from "@trainyard/common";
import { frameFilter, onlyFrames } from "./frame-filter.js";
import type { LogReader, StreamLogsOptions } from "./log-reader.js";

export interface SharedFollowOptions {
  /** The frames a hub keeps, at most (count and bytes of data). */
  maxFrames?: number;
  maxBytes?: number;
}

const DEFAULTS = { maxFrames: 4_096, maxBytes: 4 * 2 ** 20 };
/** Frames handed to a follower in one batch, at most. */
const BATCH_FRAMES = 512;

export class SharedFollows implements LogReader {
  private readonly hubs = new Map<string, Promise<Hub>>();
  private readonly limits: Required<SharedFollowOptions>;
  /** Hubs started so far (tests: one read for many followers). */
  started = 0;

  constructor(
    private readonly inner: LogReader,
    /** Seq of a task's last frame now, 0 when it has none. */
    private readonly lastSeq: (taskId: string) => Promise<number>,
    o: SharedFollowOptions = {},
  ) {
    this.limits = { ...DEFAULTS, ...o };
  }

  read(taskId: string, o: StreamLogsOptions): AsyncGenerator<LogFrame[]> {
    // The hub reads every frame; a follower's filters (attempt, since) apply to what it takes.
    return o.follow && o.tailLines === 0 ? onlyFrames(this.follow(taskId, o), frameFilter(o)) : this.inner.read(taskId, o);
  }

  private async *follow(taskId: string, o: StreamLogsOptions): AsyncGenerator<LogFrame[]> {
    const hub = await this.join(taskId);
    try {
      let after = o.afterSeq;
      if (after < hub.start) {
        for await (const batch of this.inner.read(taskId, { ...o, follow: false })) {
          yield batch;
          after = batch[batch.length - 1]!.seq;
        }
        after = Math.max(after, hub.start);
      }
      for (;;) {
        o.signal.throwIfAborted();
        const next = hub.after(after);
        if (next.kind === "frames") {
          yield next.frames;
          after = next.frames[next.frames.length - 1]!.seq;
        } else if (next.kind === "behind") {
          yield* this.inner.read(taskId, { ...o, afterSeq: after });
          return;
        } else if (next.kind === "ended") {
          return;
        } else if (next.kind === "failed") {
          throw next.error;
        } else {
          await untilEither(next.changed, o.signal);
        }
      }
    } finally {
      this.leave(taskId, hub);
    }
  }

  private async join(taskId: string): Promise<Hub> {
    for (;;) {
      let p = this.hubs.get(taskId);
      if (!p) {
        p = this.lastSeq(taskId).then((start) => {
          this.started++;
          return new Hub(start, this.limits, (signal) => this.inner.read(taskId, { afterSeq: start, follow: true, tailLines: 0, signal }));
        });
        this.hubs.set(taskId, p);
        const made = p;
        made.catch(() => this.hubs.get(taskId) === made && this.hubs.delete(taskId));
      }
      const hub = await p;
      // A hub whose read failed, or that its last follower just stopped: a fresh one for the newcomer.
      if (hub.failed || hub.stopped) {
        if (this.hubs.get(taskId) === p) this.hubs.delete(taskId);
        continue;
      }
      hub.followers++;
      return hub;
    }
  }

  private leave(taskId: string, hub: Hub): void {
    if (--hub.followers > 0) return;
    hub.stop();
    void this.hubs.get(taskId)?.then((h) => {
      if (h === hub && hub.followers === 0) this.hubs.delete(taskId);
    });
  }
}

type Next =
  | { kind: "frames"; frames: LogFrame[] }
  | { kind: "behind" }
  | { kind: "ended" }
  | { kind: "failed"; error: unknown }
  | { kind: "wait"; changed: Promise<void> };

/** One live read of a task's frames, kept in a bounded ring for every follower of it. */
class Hub {
  followers = 0;
  private readonly frames: LogFrame[] = [];
  private bytes = 0;
  /** The ring holds the frames with seq above this (older ones were evicted, or came before the hub). */
  private floor: number;
  private state: { kind: "running" } | { kind: "ended" } | { kind: "failed"; error: unknown } = { kind: "running" };
  private readonly ac = new AbortController();
  private wake!: () => void;
  private changed = this.nextChange();

  constructor(
    /** Frames with seq above this come from the hub. */
    readonly start: number,
    private readonly limits: Required<SharedFollowOptions>,
    read: (signal: AbortSignal) => AsyncGenerator<LogFrame[]>,
  ) {
    this.floor = start;
    void this.run(read(this.ac.signal));
  }

  /** What a follower that has everything up to `seq` gets next. */
  after(seq: number): Next {
    if (seq < this.floor) return { kind: "behind" };
    const i = firstAbove(this.frames, seq);
    if (i < this.frames.length) return { kind: "frames", frames: this.frames.slice(i, i + BATCH_FRAMES) };
    if (this.state.kind === "ended") return { kind: "ended" };
    if (this.state.kind === "failed") return { kind: "failed", error: this.state.error };
    return { kind: "wait", changed: this.changed };
  }

  stop(): void {
    this.ac.abort();
  }

  get stopped(): boolean {
    return this.ac.signal.aborted;
  }

  get failed(): boolean {
    return this.state.kind === "failed";
  }

  private async run(batches: AsyncGenerator<LogFrame[]>): Promise<void> {
    try {
      for await (const batch of batches) {
        for (const f of batch) this.push(f);
        this.notify();
      }
      this.state = { kind: "ended" };
    } catch (error) {
      this.state = { kind: "failed", error };
    }
    this.notify();
  }

  private push(f: LogFrame): void {
    this.frames.push(f);
    this.bytes += f.data.length;
    while (this.frames.length > this.limits.maxFrames || (this.bytes > this.limits.maxBytes && this.frames.length > 1)) {
      const old = this.frames.shift()!;
      this.bytes -= old.data.length;
      this.floor = old.seq;
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.changed = this.nextChange();
    wake();
  }

  private nextChange(): Promise<void> {
    return new Promise((r) => (this.wake = r));
  }
}

/** Resolves when `changed` does or `signal` aborts, whichever is first (no timer, no leftover listener). */
function untilEither(changed: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    void changed.then(done);
  });
}

/** The index of the first frame with seq above `seq` (frames are in seq order). */
function firstAbove(frames: readonly LogFrame[], seq: number): number {
  let lo = 0;
  let hi = frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (frames[mid]!.seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
