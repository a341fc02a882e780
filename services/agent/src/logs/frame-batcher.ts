/**
 * A bounded queue that coalesces output into frames: consecutive chunks of one stream join
 * the newest frame until it holds `maxFrameBytes`. While the publisher is busy with one frame
 * the next one grows, so a fast writer yields few large frames and a slow one small, prompt
 * frames. push() returns a promise that resolves once the queue is below `maxQueuedBytes`:
 * the caller awaits it, so a writer faster than NATS is slowed, never buffered without bound.
 *
 * While the publisher is `stalled` (NATS unreachable) a full queue does not slow the writer:
 * what is pushed is dropped and counted, and once there is room again (or at end) one SYSTEM
 * frame says how many lines and bytes were dropped, in the place where they were.
 *
 *   open ──end()──▶ ending (take() drains) ──empty──▶ ended (take() → null)
 *     └──abandon()──▶ abandoned (queue dropped; push() counts and drops; take() → null)
 */
import { outputDroppedText, type StreamName } from "@trainyard/common";
import type { LogPosition } from "../core/log-position.js";

export interface PendingFrame {
  stream: StreamName;
  time: number;
  chunks: Buffer[];
  bytes: number;
  /** The engine's timestamp of the newest container entry that ends in the frame; none when the frame ends inside an entry. */
  lastStamp?: string;
  /** Where the container's output stands at the frame's end, if the writer said (none when the frame ends inside an entry). */
  mark?: LogPosition;
}

export interface Frame {
  stream: StreamName;
  time: number;
  data: Buffer;
  lastStamp?: string;
  mark?: LogPosition;
}

export class FrameBatcher {
  private readonly frames: PendingFrame[] = [];
  private queued = 0;
  private ended = false;
  private abandoned = false;
  private droppedBytes = 0;
  /** Output dropped while stalled and full, not yet reported by a SYSTEM frame. */
  private gap = { lines: 0, bytes: 0, since: 0 };
  private readonly totalGap = { lines: 0, bytes: 0 };
  private isStalled = false;
  private taker?: () => void;
  private readonly drainWaiters: (() => void)[] = [];

  constructor(
    private readonly maxFrameBytes = 64 * 1024,
    private readonly maxQueuedBytes = 8 * 1024 * 1024,
  ) {}

  push(stream: StreamName, time: number, data: Buffer, stamp?: string, mark?: LogPosition): Promise<void> | undefined {
    if (this.abandoned) {
      this.droppedBytes += data.length;
      return undefined;
    }
    if (this.ended) throw new Error("push after end");
    if (this.queued >= this.maxQueuedBytes && this.isStalled) {
      if (!this.gap.bytes) this.gap.since = time;
      this.gap.bytes += data.length;
      this.gap.lines += countLines(data);
      return undefined;
    }
    this.reportGap();
    this.append(stream, time, data, stamp, mark);
    if (this.queued < this.maxQueuedBytes) return undefined;
    return new Promise((r) => this.drainWaiters.push(r));
  }

  /** Set by the publisher while it cannot publish (see class comment); a waiting writer goes on. */
  set stalled(v: boolean) {
    this.isStalled = v;
    if (v) this.drainWaiters.splice(0).forEach((r) => r());
  }

  get stalled(): boolean {
    return this.isStalled;
  }

  /** Output dropped while stalled and reported so far. */
  get gapTotal(): { lines: number; bytes: number } {
    return { ...this.totalGap };
  }

  private reportGap(): void {
    const { lines, bytes, since } = this.gap;
    if (!bytes) return;
    this.gap = { lines: 0, bytes: 0, since: 0 };
    this.totalGap.lines += lines;
    this.totalGap.bytes += bytes;
    this.append("system", since, Buffer.from(`${outputDroppedText(lines, bytes, this.maxQueuedBytes)}\n`));
  }

  private append(stream: StreamName, time: number, data: Buffer, stamp?: string, mark?: LogPosition): void {
    for (let off = 0; off < data.length; ) {
      let last = this.frames[this.frames.length - 1];
      if (!last || last.stream !== stream || last.bytes >= this.maxFrameBytes) {
        last = { stream, time, chunks: [], bytes: 0 };
        this.frames.push(last);
      }
      const n = Math.min(data.length - off, this.maxFrameBytes - last.bytes);
      last.chunks.push(data.subarray(off, off + n));
      last.bytes += n;
      this.queued += n;
      off += n;
      if (off < data.length) {
        // The frame ends inside this entry: neither the entry's stamp nor its mark tells where.
        delete last.lastStamp;
        delete last.mark;
        continue;
      }
      if (stamp) last.lastStamp = stamp;
      if (mark) last.mark = mark;
    }
    this.wakeTaker();
  }

  /** The oldest frame, waiting for one; null once ended and empty. One taker at a time. */
  async take(): Promise<Frame | null> {
    while (this.frames.length === 0) {
      if (this.ended || this.abandoned) return null;
      await new Promise<void>((r) => (this.taker = r));
    }
    const f = this.frames.shift()!;
    this.queued -= f.bytes;
    if (this.queued < this.maxQueuedBytes) this.drainWaiters.splice(0).forEach((r) => r());
    const data = f.chunks.length === 1 ? f.chunks[0]! : Buffer.concat(f.chunks);
    return { stream: f.stream, time: f.time, data, ...(f.lastStamp && { lastStamp: f.lastStamp }), ...(f.mark && { mark: f.mark }) };
  }

  end(): void {
    if (!this.ended && !this.abandoned) this.reportGap();
    this.ended = true;
    this.wakeTaker();
    this.drainWaiters.splice(0).forEach((r) => r());
  }

  /**
   * Gives up on what is queued (the publisher cannot deliver it): drops it, releases every
   * waiting writer, and from now on drops what is pushed. Returns the bytes dropped so far.
   */
  abandon(): number {
    this.abandoned = true;
    this.droppedBytes += this.queued;
    this.frames.length = 0;
    this.queued = 0;
    this.wakeTaker();
    this.drainWaiters.splice(0).forEach((r) => r());
    return this.droppedBytes;
  }

  get queuedBytes(): number {
    return this.queued;
  }

  private wakeTaker(): void {
    const t = this.taker;
    this.taker = undefined;
    t?.();
  }
}

function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n || 1;
}
