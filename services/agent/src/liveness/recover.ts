/**
 * At start, before pulling work: finds this node's containers by label and, for each,
 *   - re-attaches when its attempt is still current and held by this node (core/recovery.ts;
 *     the log resumes right after the last line shipped: no line lost, none repeated);
 *   - otherwise stops and removes it (the task moved on while we were away).
 * Attempts the previous run had claimed but never got a container for are reported as
 * CONTAINER_ERROR, so they are retried. Returns how many attempts were re-attached.
 */
import type { Logger } from "pino";
import type { AgentEvent, NodeRecord, TaskRecord } from "@trainyard/common";
import type { AttemptRecords, LogPosition } from "../bus/records.js";
import { classify } from "../core/classify.js";
import { LABEL } from "../core/container-spec.js";
import { attemptKey, containerAttempt, holdsAttempt } from "../core/recovery.js";
import type { ContainerRuntime } from "../runtime/container-runtime.js";

export interface RecoverOptions {
  nodeId: string;
  /** This node's last heartbeat from before the restart (its running attempts), read before beating again. */
  previous: NodeRecord | null;
  records: AttemptRecords;
  runtime: ContainerRuntime;
  /** Takes a slot and resumes the attempt on its container. */
  reattach: (task: TaskRecord, attempt: number, containerId: string, from: LogPosition, gpuIds: string[]) => void;
  report: (e: AgentEvent) => Promise<void>;
  logger: Logger;
}

export async function recover(o: RecoverOptions): Promise<number> {
  const { nodeId, records, runtime, logger } = o;
  const containers = await runtime.list(`${LABEL.node}=${nodeId}`);
  const seen = new Set<string>();
  let reattached = 0;
  for (const c of containers) {
    const { taskId, attempt, gpuIds } = containerAttempt(c);
    seen.add(attemptKey(taskId, attempt));
    const log = logger.child({ task: taskId, attempt, container: c.id.slice(0, 12) });
    const task = taskId ? await records.task(taskId) : null;
    if (task && (await holds(o, task, attempt))) {
      const from = await records.logPosition(taskId, attempt);
      o.reattach(task, attempt, c.id, from, gpuIds);
      log.info({ resumeAfter: from.resume ?? "start", frame: from.frame }, "re-attached to a running attempt");
      reattached++;
    } else {
      log.warn({ state: c.state }, "container of an attempt that is no longer ours: removing it");
      await runtime.kill(c.id, "SIGKILL").catch(() => {});
      await runtime.remove(c.id).catch((err) => log.error({ err }, "could not remove a stale container"));
    }
  }
  // Claimed by our previous run, never started: nothing to re-attach, so report them lost.
  for (const r of o.previous?.running ?? []) {
    if (seen.has(attemptKey(r.taskId, r.attempt))) continue;
    const task = await records.task(r.taskId);
    if (!task || !(await holds(o, task, r.attempt))) continue;
    await o.report({
      type: "finished",
      taskId: r.taskId,
      attempt: r.attempt,
      nodeId,
      outcome: classify({ kind: "restarted-before-start" }),
      time: Date.now(),
    });
  }
  return reattached;
}

async function holds(o: RecoverOptions, task: TaskRecord, attempt: number): Promise<boolean> {
  return holdsAttempt(task, attempt, o.nodeId, await o.records.claimHolder(task.id, attempt));
}
