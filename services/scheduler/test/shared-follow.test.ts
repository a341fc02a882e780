/** Many followers of one task, one read (logs/shared-follow.ts), against a live log in memory. */
import { describe, expect, it } from "vitest";
import type { LogFrame } from "@trainyard/common";
import type { LogReader, StreamLogsOptions } from "../src/logs/log-reader.js";
import { SharedFollows } from "../src/logs/shared-follow.js";

/** A task's log that grows while it is read; follow reads wait for frames until end(). */
class LiveLog implements LogReader {
  readonly frames: LogFrame[] = [];
  ended = false;
  failWith?: Error;
  /** Reads started, by kind. */
  readonly reads = { follow: 0, replay: 0 };
  private wakers: (() => void)[] = [];

  append(n: number): void {
    for (let i = 0; i < n; i++) {
      const seq = this.frames.length + 1;
      this.frames.push({ seq, attempt: 1, stream: "stdout", time: seq, data: Buffer.from(`line ${seq}\n`) });
    }
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  fail(err: Error): void {
    this.failWith = err;
    this.wake();
  }

  private wake(): void {
    this.wakers.splice(0).forEach((w) => w());
  }

  async *read(_taskId: string, o: StreamLogsOptions): AsyncGenerator<LogFrame[]> {
    this.reads[o.follow ? "follow" : "replay"]++;
    let after = o.afterSeq;
    const until = o.follow ? Infinity : this.frames.length;
    for (;;) {
      const next = this.frames.filter((f) => f.seq > after && f.seq <= until);
      if (next.length) {
        yield next;
        after = next[next.length - 1]!.seq;
        continue;
      }
      if (!o.follow) return;
      if (this.failWith) throw this.failWith;
      if (this.ended) return;
      await new Promise<void>((r) => this.wakers.push(r));
      o.signal.throwIfAborted();
    }
  }
}

const opts = (afterSeq = 0, signal = new AbortController().signal): StreamLogsOptions => ({ afterSeq, follow: true, tailLines: 0, signal });

async function collect(g: AsyncGenerator<LogFrame[]>, eachBatch?: () => Promise<void>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const b of g) {
    seqs.push(...b.map((f) => f.seq));
    await eachBatch?.();
  }
  return seqs;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const tick = () => new Promise((r) => setImmediate(r));

describe("SharedFollows", () => {
  it("100 followers of one task: one live read, each gets every frame once, in order", async () => {
    const log = new LiveLog();
    log.append(10);
    const shared = new SharedFollows(log, async () => log.frames.length);
    const followers = Array.from({ length: 100 }, () => collect(shared.read("t", opts())));
    for (let i = 0; i < 20; i++) {
      await tick();
      log.append(50);
    }
    log.end();
    const all = await Promise.all(followers);
    for (const seqs of all) expect(seqs).toEqual(range(1, 1_010));
    expect(shared.started).toBe(1);
    expect(log.reads.follow).toBe(1);
  });

  it("a follower resuming after a seq the hub holds reads nothing of its own", async () => {
    const log = new LiveLog();
    const shared = new SharedFollows(log, async () => log.frames.length);
    const first = collect(shared.read("t", opts()));
    await tick();
    log.append(30);
    await tick();
    const resumed = collect(shared.read("t", opts(20)));
    await tick();
    log.append(5);
    log.end();
    expect(await first).toEqual(range(1, 35));
    expect(await resumed).toEqual(range(21, 35));
    expect(log.reads).toEqual({ follow: 1, replay: 0 });
  });

  it("a slow follower that falls behind the ring reads on its own and still misses nothing; the others do not wait", async () => {
    const log = new LiveLog();
    const shared = new SharedFollows(log, async () => log.frames.length, { maxFrames: 8 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let batches = 0;
    const slow = collect(shared.read("t", opts()), async () => {
      if (batches++ === 0) await held; // stuck after its first batch
    });
    const fast = collect(shared.read("t", opts()));
    await tick();
    log.append(4);
    for (let i = 0; i < 20; i++) {
      await tick();
      log.append(5); // fewer than the ring holds: a follower that keeps up never falls behind
    }
    log.end();
    expect(await fast).toEqual(range(1, 104));
    release();
    expect(await slow).toEqual(range(1, 104));
    expect(log.reads.follow).toBe(2); // the hub's, and the slow follower's own
  });

  it("a follower from before the hub began replays up to it first, then shares", async () => {
    const log = new LiveLog();
    log.append(100);
    const shared = new SharedFollows(log, async () => log.frames.length);
    const late = collect(shared.read("t", opts(40)));
    await tick();
    log.append(10);
    log.end();
    expect(await late).toEqual(range(41, 110));
    expect(log.reads).toEqual({ follow: 1, replay: 1 });
  });

  it("the hub's read failing fails its followers' calls (they resume with after_seq); the next follower gets a fresh read", async () => {
    const log = new LiveLog();
    const shared = new SharedFollows(log, async () => log.frames.length);
    const a = collect(shared.read("t", opts()));
    await tick();
    log.append(3);
    await tick();
    log.fail(new Error("lost the task's state"));
    await expect(a).rejects.toThrow("lost the task's state");
    log.failWith = undefined;
    const b = collect(shared.read("t", opts(3)));
    await tick();
    log.append(2);
    log.end();
    expect(await b).toEqual([4, 5]);
    expect(shared.started).toBe(2);
  });

  it("a follower that stops (its call cancelled) leaves; the last one to leave stops the read", async () => {
    const log = new LiveLog();
    const shared = new SharedFollows(log, async () => log.frames.length);
    const ac = new AbortController();
    const g = shared.read("t", opts(0, ac.signal));
    const p = collect(g);
    await tick();
    log.append(2);
    await tick();
    ac.abort(new Error("client went away"));
    await expect(p).rejects.toThrow();
    const again = collect(shared.read("t", opts(2)));
    await tick();
    log.end();
    expect(await again).toEqual([]);
    expect(shared.started).toBe(2);
  });

  it("a follower joining as the last one leaves shares its read or, once it stopped, gets a fresh one", async () => {
    const log = new LiveLog();
    const shared = new SharedFollows(log, async () => log.frames.length);
    const a = shared.read("t", opts());
    log.append(2);
    expect((await a.next()).value!.map((f: LogFrame) => f.seq)).toEqual([1, 2]);
    const left = a.return(undefined);
    const b = collect(shared.read("t", opts(2))); // joins before a's finally has run: shares the read
    await left;
    const c = collect(shared.read("t", opts(2))); // joins after: the read goes on for b
    await tick();
    log.append(1);
    log.end();
    expect(await b).toEqual([3]);
    expect(await c).toEqual([3]);
    expect(shared.started).toBe(1);
  });

  it("passes tail and replay calls through untouched", async () => {
    const log = new LiveLog();
    log.append(5);
    const shared = new SharedFollows(log, async () => log.frames.length);
    expect(await collect(shared.read("t", { ...opts(), follow: false }))).toEqual(range(1, 5));
    expect(shared.started).toBe(0);
  });
});
