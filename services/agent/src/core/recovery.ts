/**
 * Which containers of this node an agent keeps, re-attaches or removes. Pure; applied by
 * liveness/recover.ts (at start) and liveness/reconcile-containers.ts (after each heartbeat).
 *
 * Who holds attempt n: the record's `Attempt.nodeId` wins; before the scheduler has applied the
 * claim, the claims bucket entry decides. Container labels only say which attempt a container
 * ran; they never make an attempt ours.
 */
import { currentAttempt, type TaskRecord } from "@trainyard/common";
import type { ContainerSummary } from "../runtime/container-runtime.js";
import { LABEL } from "./container-spec.js";
import { stopCauseFor } from "./stop-cause.js";

/**
 * Does this node hold `attempt` of the task and may it go on running it? A cancel asked
 * meanwhile still counts as held: the re-attached runner stops it and reports.
 * @param claimHolder the node in the claims bucket for this attempt, null when none
 */
export function holdsAttempt(task: TaskRecord | null, attempt: number, nodeId: string, claimHolder: string | null): boolean {
  if (!task || stopCauseFor(task, attempt)?.kind === "superseded") return false;
  const holder = currentAttempt(task).nodeId;
  return (holder ?? claimHolder) === nodeId;
}

/** The attempt a container ran, from its labels ("" and NaN when unlabelled). */
export function containerAttempt(c: ContainerSummary): { taskId: string; attempt: number; gpuIds: string[] } {
  const gpus = c.labels[LABEL.gpus];
  return { taskId: c.labels[LABEL.task] ?? "", attempt: Number(c.labels[LABEL.attempt]), gpuIds: gpus ? gpus.split(",") : [] };
}

export const attemptKey = (taskId: string, attempt: number) => `${taskId}.${attempt}`;

/**
 * Containers no attempt of this agent holds: left behind when Docker was unreachable as an
 * attempt ended (an engine restart). `held` must be taken after `listed`: an attempt registers
 * before it creates its container and leaves only after removing it.
 */
export function orphanedContainers(listed: readonly ContainerSummary[], held: ReadonlySet<string>): ContainerSummary[] {
  return listed.filter((c) => {
    const { taskId, attempt } = containerAttempt(c);
    return !held.has(attemptKey(taskId, attempt));
  });
}
