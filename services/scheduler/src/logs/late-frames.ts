import { isFinal, type LogFrame, type TaskRecord } from "@trainyard/common";

/**
 * Which of a task's frames a reader shows. Pure.
 *
 * Late frames: a fenced agent's frames stored after its attempt was declared lost (they arrive
 * when a partitioned agent reconnects; its own local log keeps them). Only the record decides
 * where an attempt's fence is (Attempt.fenceSeq): the fencing SYSTEM line is published before
 * the compare-and-set that records it, and a lost compare-and-set (the agent's own outcome came
 * first) leaves a line that fences nothing. A reader that meets such a line before it knows the
 * record (`needsRecord`) reads the record again before deciding.
 *
 * Foreign frames: an agent's frame counts only if its node (from the subject, which NATS
 * permissions bind to the publisher) holds the attempt: the node the record names, or before
 * the record knows it the claims bucket's (`unknownHolders`, then `hold`). Frames of an attempt
 * nobody holds are not shown; frames from before node ids were in subjects carry none and are.
 */
export class LateFrames {
  private readonly fences = new Map<number, number>();
  /** Attempts whose record is final: their fence, if any, is known. */
  private readonly settled = new Set<number>();
  private readonly holders = new Map<number, string>();

  constructor(task?: TaskRecord | null) {
    if (task) this.learn(task);
  }

  learn(task: TaskRecord): void {
    for (const a of task.attempts) {
      if (a.fenceSeq !== undefined) this.fences.set(a.number, a.fenceSeq);
      if (isFinal(a.state)) this.settled.add(a.number);
      if (a.nodeId !== undefined) this.holders.set(a.number, a.nodeId);
    }
  }

  /** The node that holds `attempt`, as the claims bucket says (the record, once it knows, wins). */
  hold(attempt: number, nodeId: string): void {
    if (!this.holders.has(attempt)) this.holders.set(attempt, nodeId);
  }

  /** True when the batch has a fencing line of an attempt whose record is not final yet here. */
  needsRecord(frames: LogFrame[]): boolean {
    return frames.some((f) => f.fence && !this.settled.has(f.attempt));
  }

  /** Attempts with agent frames in the batch whose holder is not known here yet. */
  unknownHolders(frames: LogFrame[]): number[] {
    return [...new Set(frames.filter((f) => f.nodeId !== undefined && !this.holders.has(f.attempt)).map((f) => f.attempt))];
  }

  /** The batch without late or foreign frames, nor fencing lines the record did not confirm (order kept). */
  keep(frames: LogFrame[]): LogFrame[] {
    return frames.filter((f) => {
      if (f.nodeId !== undefined && this.holders.get(f.attempt) !== f.nodeId) return false;
      const fence = this.fences.get(f.attempt);
      if (f.fence && this.settled.has(f.attempt) && fence !== f.seq) return false;
      return fence === undefined || f.seq <= fence;
    });
  }
}
