import type { LogFrame, TaskRecord } from "@trainyard/common";

/**
 * Drops the frames a fenced agent stored after its attempt was declared lost (they arrive
 * when a partitioned agent reconnects; its own local log keeps them). The fence of an attempt
 * is known from the record (Attempt.fenceSeq) or, when reading past it, from the fencing
 * SYSTEM line itself, which always comes first. Pure.
 */
export class LateFrames {
  private readonly fences = new Map<number, number>();

  constructor(task?: TaskRecord | null) {
    if (task) this.learn(task);
  }

  learn(task: TaskRecord): void {
    for (const a of task.attempts) if (a.fenceSeq !== undefined) this.fences.set(a.number, a.fenceSeq);
  }

  /** The batch without late frames (order kept). */
  keep(frames: LogFrame[]): LogFrame[] {
    return frames.filter((f) => {
      if (f.fence) this.fences.set(f.attempt, Math.min(f.seq, this.fences.get(f.attempt) ?? Infinity));
      const fence = this.fences.get(f.attempt);
      return fence === undefined || f.seq <= fence;
    });
  }
}
