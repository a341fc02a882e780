import { describe, expect, it } from "vitest";
import type { LogFrame, TaskRecord } from "@trainyard/common";
import { LateFrames } from "../src/logs/late-frames.js";

const f = (seq: number, attempt: number, fence = false): LogFrame => ({ seq, attempt, stream: fence ? "system" : "stdout", time: 0, data: new Uint8Array(), ...(fence ? { fence } : {}) });
const seqs = (fs: LogFrame[]) => fs.map((x) => x.seq);

describe("LateFrames", () => {
  it("drops an attempt's frames after its fencing line, keeps other attempts", () => {
    const late = new LateFrames();
    expect(seqs(late.keep([f(1, 1), f(2, 1), f(3, 1, true), f(4, 1), f(5, 2), f(6, 1), f(7, 2)]))).toEqual([1, 2, 3, 5, 7]);
  });

  it("knows fences from the record when reading starts past the fencing line", () => {
    const task = { attempts: [{ number: 1, fenceSeq: 3 }, { number: 2 }] } as unknown as TaskRecord;
    const late = new LateFrames(task);
    expect(seqs(late.keep([f(4, 1), f(5, 2)]))).toEqual([5]);
  });

  it("learns fences from later records", () => {
    const late = new LateFrames(null);
    expect(seqs(late.keep([f(2, 1)]))).toEqual([2]);
    late.learn({ attempts: [{ number: 1, fenceSeq: 2 }] } as unknown as TaskRecord);
    expect(seqs(late.keep([f(3, 1)]))).toEqual([]);
  });
});
