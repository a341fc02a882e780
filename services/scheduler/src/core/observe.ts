/**
 * What a stored write changed, for the metrics: pure functions of the record before and after
 * one compare-and-set. The caller runs them only after the CAS succeeded, so a change that
 * several replicas decided but only one stored is seen once.
 */
import type { Attempt, TaskRecord, TaskState } from "@trainyard/common";

/** Attempts that ended in this write (they have an endTime now and had none before). */
export function endedAttempts(before: TaskRecord | undefined, after: TaskRecord): Attempt[] {
  const wasEnded = new Set((before?.attempts ?? []).filter((a) => a.endTime !== undefined).map((a) => a.number));
  return after.attempts.filter((a) => a.endTime !== undefined && !wasEnded.has(a.number));
}

/** Seconds from submit to the task's first start, when this write is that start; else undefined. */
export function firstStartLatency(before: TaskRecord | undefined, after: TaskRecord): number | undefined {
  if (before?.startTime !== undefined || after.startTime === undefined) return undefined;
  return Math.max(0, after.startTime - after.createTime) / 1000;
}

export const TASK_STATES: readonly TaskState[] = ["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"];

