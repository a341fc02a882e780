/** TailBuffer (logs/tail.ts): the frames holding the last n lines. */
import { describe, expect, it } from "vitest";
import { TailBuffer } from "../src/logs/tail.js";
import { frame } from "./fixtures.js";

function tail(n: number, ...data: string[]) {
  const b = new TailBuffer(n);
  data.forEach((d, i) => b.push(frame(d, i + 1)));
  const out = b.result();
  return { text: out.map((f) => Buffer.from(f.data).toString()).join(""), seqs: out.map((f) => f.seq) };
}

describe("TailBuffer", () => {
  it.each([
    ["the last 2 lines of one frame", 2, ["a\nb\nc\n"], "b\nc\n", [1]],
    ["lines across frames, first frame trimmed", 3, ["a\nb\n", "c\nd\n", "e\n"], "c\nd\ne\n", [2, 3]],
    ["exactly the last frame's lines", 2, ["a\nb\n", "c\nd\n"], "c\nd\n", [2]],
    ["a trailing partial line counts as a line", 2, ["a\nb\nc"], "b\nc", [1]],
    ["n larger than everything: all frames, untouched", 100, ["a\n", "b\n", "c"], "a\nb\nc", [1, 2, 3]],
    ["exactly n lines: all frames", 3, ["a\n", "b\n", "c\n"], "a\nb\nc\n", [1, 2, 3]],
    ["empty lines count", 2, ["a\n\n\n"], "\n\n", [1]],
    ["n = 0: nothing", 0, ["a\n", "b\n"], "", []],
    ["nothing pushed: nothing", 5, [], "", []],
    ["an empty frame in the middle is dropped", 2, ["a\n", "", "b\n"], "a\nb\n", [1, 3]],
    ["many frames, one line each", 2, ["1\n", "2\n", "3\n", "4\n", "5\n"], "4\n5\n", [4, 5]],
  ])("%s", (_, n, data, text, seqs) => {
    expect(tail(n, ...data)).toEqual({ text, seqs });
  });

  it("the trimmed frame keeps its seq, attempt, stream and time", () => {
    const b = new TailBuffer(1);
    b.push({ seq: 7, attempt: 2, stream: "stderr", time: 123.5, data: Buffer.from("a\nb\n") });
    expect(b.result()).toEqual([{ seq: 7, attempt: 2, stream: "stderr", time: 123.5, data: Buffer.from("b\n") }]);
  });

  it("does not change the frames it was given", () => {
    const f = frame("a\nb\n");
    const b = new TailBuffer(1);
    b.push(f);
    b.result();
    expect(Buffer.from(f.data).toString()).toBe("a\nb\n");
  });

  // A line split across two frames (the agent cuts frames at 64 KiB, wherever that falls) is
  // one line of everything pushed, but each frame's partial end is counted as a line of its own.
  it("a line split across frames counts once: the last 2 lines of 'hel' + 'lo\\nworld\\n' are hello and world", () => {
    expect(tail(2, "hel", "lo\nworld\n").text).toBe("hello\nworld\n");
  });
});
