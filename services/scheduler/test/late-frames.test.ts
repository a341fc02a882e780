import { describe, expect, it } from "vitest";
import type { LogFrame, TaskRecord } from "@trainyard/common";
import { LateFrames } from "../src/logs/late-frames.js";

const f = (seq: number, attempt: number, fence = false): LogFrame => ({ seq, attempt, stream: fence ? "system" : "stdout", time: 0, data: new Uint8Array(), ...(fence ? { fence } : {}) });
const seqs = (fs: LogFrame[]) => fs.map((x) => x.seq);
const record = (...attempts: { number: number; state: string; fenceSeq?: number; nodeId?: string }[]) => ({ attempts }) as unknown as TaskRecord;
const from = (nodeId: string, frame: LogFrame): LogFrame => ({ ...frame, nodeId });

describe("LateFrames", () => {
  it("drops an attempt's frames after the fence the record confirms, keeps other attempts", () => {
    const late = new LateFrames(record({ number: 1, state: "FAILED", fenceSeq: 3 }, { number: 2, state: "RUNNING" }));
    const batch = [f(1, 1), f(2, 1), f(3, 1, true), f(4, 1), f(5, 2), f(6, 1), f(7, 2)];
    expect(late.needsRecord(batch)).toBe(false);
    expect(seqs(late.keep(batch))).toEqual([1, 2, 3, 5, 7]);
  });

  it("a fencing line met before the record is final asks for the record", () => {
    const late = new LateFrames(record({ number: 1, state: "RUNNING" }));
    const batch = [f(2, 1), f(3, 1, true), f(4, 1)];
    expect(late.needsRecord(batch)).toBe(true);
    late.learn(record({ number: 1, state: "FAILED", fenceSeq: 3 }));
    expect(late.needsRecord(batch)).toBe(false);
    expect(seqs(late.keep(batch))).toEqual([2, 3]);
  });

  it("a fencing line whose compare-and-set lost (the attempt ended otherwise) hides nothing, and is not shown itself", () => {
    const late = new LateFrames(record({ number: 1, state: "SUCCEEDED" }));
    const batch = [f(2, 1), f(3, 1, true), f(4, 1), f(5, 1)];
    expect(late.needsRecord(batch)).toBe(false);
    expect(seqs(late.keep(batch))).toEqual([2, 4, 5]);
  });

  it("without a record, nothing is hidden", () => {
    expect(seqs(new LateFrames(null).keep([f(2, 1), f(3, 1, true), f(4, 1)]))).toEqual([2, 3, 4]);
  });

  it("shows an agent's frames only from the node that holds the attempt: the record's, else the claims bucket's", () => {
    const late = new LateFrames(record({ number: 1, state: "FAILED", nodeId: "a" }, { number: 2, state: "RUNNING" }));
    const batch = [from("a", f(1, 1)), from("b", f(2, 1)), f(3, 1), from("b", f(4, 2)), from("c", f(5, 2)), from("c", f(6, 3))];
    expect(late.unknownHolders(batch)).toEqual([2, 3]);
    late.hold(2, "b"); // attempt 3: nobody claimed it
    expect(seqs(late.keep(batch))).toEqual([1, 3, 4]);
    late.hold(1, "b"); // the record, once it knows, wins
    expect(seqs(late.keep(batch))).toEqual([1, 3, 4]);
  });
});
