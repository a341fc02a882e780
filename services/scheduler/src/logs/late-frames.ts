import { isFinal, type LogFrame, type TaskRecord } from "@trainyard/common";

/**
 * Drops the frames a fenced agent stored after its attempt was declared lost (they arrive
 * when a partitioned agent reconnects; its own local log keeps them). Only the record decides
 * where an attempt's fence is (Attempt.fenceSeq): the fencing SYSTEM line is published before
 * the compare-and-set that records it, and a lost compare-and-set (the agent's own outcome came
 * first) leaves a line that fences nothing. A reader that meets such a line before it knows the
 * record (`needsRecord`) reads the record again before deciding. Pure.
 */
export class LateFrames {
  private readonly fences = new Map<number, number>();
  /** Attempts whose record is final: their fence, if any, is known. */
  private readonly settled = new Set<number>();

  constructor(task?: TaskRecord | null) {
    if (task) this.learn(task);
  }

  learn(task: TaskRecord): void {
    for (const a of task.attempts) {
      if (a.fenceSeq !== undefined) this.fences.set(a.number, a.fenceSeq);
      if (isFinal(a.state)) this.settled.add(a.number);
    }
  }

  /** True when the batch has a fencing line of an attempt whose record is not final yet here. */
  needsRecord(frames: LogFrame[]): boolean {
    return frames.some((f) => f.fence && !this.settled.has(f.attempt));
  }

  /** The batch without late frames, nor fencing lines the record did not confirm (order kept). */
  keep(frames: LogFrame[]): LogFrame[] {
    return frames.filter((f) => {
      const fence = this.fences.get(f.attempt);
      if (f.fence && this.settled.has(f.attempt) && fence !== f.seq) return false;
      return fence === undefined || f.seq <= fence;
    });
  }
}
