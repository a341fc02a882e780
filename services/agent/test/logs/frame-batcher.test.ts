/** FrameBatcher (logs/frame-batcher.ts): coalescing, frame bounds, back-pressure, end. */
import { describe, expect, it } from "vitest";
import type { StreamName } from "@trainyard/common";
import type { LogPosition } from "../../src/core/log-position.js";
import { FrameBatcher } from "../../src/logs/frame-batcher.js";
import { prng, tick, track } from "../fixtures.js";

const b = (s: string) => Buffer.from(s);

async function drain(f: FrameBatcher) {
  f.end();
  const out: { stream: StreamName; time: number; data: string }[] = [];
  for (let x = await f.take(); x; x = await f.take()) out.push({ stream: x.stream, time: x.time, data: x.data.toString() });
  return out;
}

describe("FrameBatcher", () => {
  it("coalesces consecutive pushes of one stream into one frame timed by its first byte", async () => {
    const f = new FrameBatcher(1024);
    f.push("stdout", 1, b("a\n"));
    f.push("stdout", 2, b("b\n"));
    f.push("stdout", 3, b("c\n"));
    expect(await drain(f)).toEqual([{ stream: "stdout", time: 1, data: "a\nb\nc\n" }]);
  });

  it("a stream change starts a new frame", async () => {
    const f = new FrameBatcher(1024);
    f.push("stdout", 1, b("a"));
    f.push("stderr", 2, b("b"));
    f.push("stderr", 3, b("c"));
    f.push("stdout", 4, b("d"));
    f.push("system", 5, b("e"));
    expect(await drain(f)).toEqual([
      { stream: "stdout", time: 1, data: "a" },
      { stream: "stderr", time: 2, data: "bc" },
      { stream: "stdout", time: 4, data: "d" },
      { stream: "system", time: 5, data: "e" },
    ]);
  });

  it("a frame holds at most maxFrameBytes; a big push is split and the rest fills the next", async () => {
    const f = new FrameBatcher(4);
    f.push("stdout", 1, b("abcdef"));
    f.push("stdout", 2, b("gh"));
    f.push("stdout", 3, b("ijklmnopq"));
    expect((await drain(f)).map((x) => [x.data, x.time])).toEqual([
      ["abcd", 1],
      ["efgh", 1],
      ["ijkl", 3],
      ["mnop", 3],
      ["q", 3],
    ]);
  });

  it("a frame carries the stamp and mark of the last entry that ends in it; one that ends inside an entry carries neither", async () => {
    const f = new FrameBatcher(10);
    const mark = (lines: number): LogPosition => ({ counted: true, stdout: { lines, partial: 0 }, stderr: { lines: 0, partial: 0 } });
    f.push("stdout", 1, b("ab\n"), "s1", mark(1));
    f.push("stdout", 2, b("cdefghijk\n"), "s2", mark(2)); // "ab\ncdefghi" | "jk\n"
    f.push("stdout", 3, b("l\n"), "s3", mark(3));
    f.end();
    const frames = [];
    for (let x = await f.take(); x; x = await f.take()) frames.push({ data: x.data.toString(), stamp: x.lastStamp, lines: x.mark?.counted ? x.mark.stdout.lines : undefined });
    expect(frames).toEqual([
      { data: "ab\ncdefghi", stamp: undefined, lines: undefined },
      { data: "jk\nl\n", stamp: "s3", lines: 3 },
    ]);
  });

  it("a frame already taken is not appended to: the next push starts a new frame", async () => {
    const f = new FrameBatcher(1024);
    f.push("stdout", 1, b("a"));
    expect((await f.take())!.data.toString()).toBe("a");
    f.push("stdout", 2, b("b"));
    expect(await drain(f)).toEqual([{ stream: "stdout", time: 2, data: "b" }]);
  });

  it("an empty push adds no frame", async () => {
    const f = new FrameBatcher(1024);
    expect(f.push("stdout", 1, b(""))).toBeUndefined();
    expect(await drain(f)).toEqual([]);
  });

  it("take() waits for a push", async () => {
    const f = new FrameBatcher(1024);
    const t = track(f.take());
    await tick();
    expect(t.settled).toBe(false);
    f.push("stderr", 7, b("late"));
    await tick();
    expect(t.value).toMatchObject({ stream: "stderr", time: 7 });
    expect(t.value!.data.toString()).toBe("late");
  });

  it("end() drains what is queued, then take() gives null, every time", async () => {
    const f = new FrameBatcher(2);
    f.push("stdout", 1, b("abc"));
    f.end();
    expect((await f.take())!.data.toString()).toBe("ab");
    expect((await f.take())!.data.toString()).toBe("c");
    expect(await f.take()).toBeNull();
    expect(await f.take()).toBeNull();
  });

  it("end() wakes a waiting take() with null", async () => {
    const f = new FrameBatcher();
    const t = track(f.take());
    await tick();
    f.end();
    await tick();
    expect(t).toMatchObject({ settled: true, value: null });
  });

  it("push() after end() throws", () => {
    const f = new FrameBatcher();
    f.end();
    expect(() => f.push("stdout", 1, b("x"))).toThrow("push after end");
  });

  it("push() returns a promise once maxQueuedBytes are queued; it resolves when take() drains below", async () => {
    const f = new FrameBatcher(4, 10);
    expect(f.push("stdout", 1, b("12345"))).toBeUndefined();
    expect(f.push("stdout", 2, b("1234"))).toBeUndefined();
    expect(f.queuedBytes).toBe(9);
    const p = f.push("stderr", 3, b("x"));
    expect(p).toBeInstanceOf(Promise);
    const t = track(p!);
    await tick();
    expect(t.settled).toBe(false);
    await f.take(); // "1234" out: 6 left, below 10
    await tick();
    expect(t.settled).toBe(true);
    expect(f.queuedBytes).toBe(6);
  });

  it("every waiting push() is released together when the queue drains below the bound", async () => {
    const f = new FrameBatcher(4, 4);
    const a = track(f.push("stdout", 1, b("1234"))!);
    const c = track(f.push("stdout", 2, b("5678"))!);
    await tick();
    expect([a.settled, c.settled]).toEqual([false, false]);
    await f.take();
    await tick();
    expect([a.settled, c.settled]).toEqual([false, false]); // 4 still queued: not below 4
    await f.take();
    await tick();
    expect([a.settled, c.settled]).toEqual([true, true]);
  });

  it("end() releases waiting pushers", async () => {
    const f = new FrameBatcher(4, 4);
    const p = track(f.push("stdout", 1, b("12345678"))!);
    f.end();
    await tick();
    expect(p.settled).toBe(true);
  });

  it.each([1, 2, 3, 4, 5])("keeps every byte, in order, across many random pushes and takes (seed %i)", async (seed) => {
    const rnd = prng(seed);
    const maxFrame = 1 + Math.floor(rnd() * 64);
    const f = new FrameBatcher(maxFrame, 256);
    const streams: StreamName[] = ["stdout", "stderr", "system"];
    const pushed: { stream: StreamName; data: Buffer }[] = [];
    const frames: { stream: StreamName; data: Buffer }[] = [];
    const taker = (async () => {
      for (let x = await f.take(); x; x = await f.take()) {
        frames.push(x);
        if (rnd() < 0.3) await tick();
      }
    })();
    let counter = 0;
    let waited = 0;
    for (let i = 0; i < 500; i++) {
      const stream = rnd() < 0.7 ? streams[0]! : streams[1 + Math.floor(rnd() * 2)]!;
      const data = Buffer.from(Array.from({ length: Math.floor(rnd() * 150) }, () => counter++ & 0xff));
      pushed.push({ stream, data });
      const wait = f.push(stream, i, data);
      if (wait) {
        waited++;
        await wait;
      } else if (rnd() < 0.2) await tick();
    }
    f.end();
    await taker;

    for (const fr of frames) {
      expect(fr.data.length).toBeGreaterThan(0);
      expect(fr.data.length).toBeLessThanOrEqual(maxFrame);
    }
    // Same bytes, same order, per stream and overall.
    const runs = (xs: { stream: StreamName; data: Buffer }[]) => {
      const out: { stream: StreamName; data: string }[] = [];
      for (const x of xs) {
        if (!x.data.length) continue;
        const last = out[out.length - 1];
        if (last && last.stream === x.stream) last.data += x.data.toString("hex");
        else out.push({ stream: x.stream, data: x.data.toString("hex") });
      }
      return out;
    };
    expect(runs(frames)).toEqual(runs(pushed));
    expect(f.queuedBytes).toBe(0);
    expect(waited).toBeGreaterThan(0); // back-pressure was exercised
  });
});

describe("FrameBatcher while the publisher is stalled", () => {
  it("drops what does not fit, without back-pressure, and says so in one SYSTEM frame where the gap is", async () => {
    const f = new FrameBatcher(1024, 4);
    f.stalled = true;
    expect(f.push("stdout", 1, b("1\n2\n"))).toBeDefined(); // fills the queue: back-pressure as usual
    expect(f.push("stdout", 2, b("3\n"))).toBeUndefined(); // full and stalled: dropped
    expect(f.push("stderr", 3, b("4\n5\n"))).toBeUndefined();
    await f.take(); // the publisher got through: room again
    f.stalled = false;
    f.push("stdout", 4, b("6\n"));
    expect(await drain(f)).toEqual([
      { stream: "system", time: 2, data: "3 lines (6 bytes) of output not delivered: NATS was unreachable and the agent's log buffer (4 bytes) was full; the agent's local log file has them\n" },
      { stream: "stdout", time: 4, data: "6\n" },
    ]);
    expect(f.gapTotal).toEqual({ lines: 3, bytes: 6 });
  });

  it("reports a gap still open at end", async () => {
    const f = new FrameBatcher(1024, 2);
    f.stalled = true;
    f.push("stdout", 1, b("a\n"));
    f.push("stdout", 2, b("b\n"));
    const out = await drain(f);
    expect(out.map((x) => x.data)).toEqual(["a\n", expect.stringMatching(/^1 lines \(2 bytes\) of output not delivered/)]);
  });

  it("a full queue with a working publisher still slows the writer and drops nothing", async () => {
    const f = new FrameBatcher(1024, 2);
    f.push("stdout", 1, b("a\n"));
    expect(f.push("stdout", 2, b("b\n"))).toBeDefined();
    expect((await drain(f)).map((x) => x.data)).toEqual(["a\nb\n"]);
    expect(f.gapTotal).toEqual({ lines: 0, bytes: 0 });
  });
});

describe("FrameBatcher stalling", () => {
  it("releases a writer waiting on back-pressure when the publisher stalls", async () => {
    const f = new FrameBatcher(1024, 2);
    const waiting = f.push("stdout", 1, b("a\n"))!;
    let released = false;
    void waiting.then(() => (released = true));
    await tick();
    expect(released).toBe(false);
    f.stalled = true;
    await tick();
    expect(released).toBe(true);
  });
});
