import type { JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import {
  agentPosition,
  attemptLogSubject,
  claimKey,
  currentAttempt,
  STREAM,
  type AgentEvent,
  type Infra,
  type NodeRecord,
  type TaskRecord,
} from "@trainyard/common";
import type { AttemptHost } from "./attempt-host.js";
import { LABEL } from "./runner/container-spec.js";
import { stopCauseFor } from "./runner/record-watch.js";
import type { ContainerRuntime } from "./runtime/container-runtime.js";
import type { Slots } from "./slots.js";

export interface RecoverDeps {
  nodeId: string;
  /** This node's last heartbeat from before the restart (its running attempts), read before beating again. */
  previous: NodeRecord | null;
  infra: Infra;
  jsm: JetStreamManager;
  runtime: ContainerRuntime;
  host: AttemptHost;
  slots: Slots;
  report: (e: AgentEvent) => Promise<void>;
  logger: Logger;
}

/**
 * At start, before pulling work: finds this node's containers by label and, for each,
 *   - re-attaches when its attempt is still current and held by this node (the log resumes
 *     right after the last line shipped: no line lost, none repeated);
 *   - otherwise stops and removes it (fencing: the task moved on while we were away).
 * Attempts the previous run had claimed but never got a container for are reported as
 * CONTAINER_ERROR, so they are retried. Returns how many attempts were re-attached.
 */
export async function recover(d: RecoverDeps): Promise<number> {
  const { nodeId, infra, runtime, logger } = d;
  const containers = await runtime.list(`${LABEL.node}=${nodeId}`);
  const seen = new Set<string>();
  let reattached = 0;
  for (const c of containers) {
    const taskId = c.labels[LABEL.task] ?? "";
    const attempt = Number(c.labels[LABEL.attempt]);
    seen.add(`${taskId}.${attempt}`);
    const log = logger.child({ task: taskId, attempt, container: c.id.slice(0, 12) });
    const task = taskId ? await readTask(infra, taskId) : null;
    if (task && (await stillOurs(d, task, attempt))) {
      const last = await d.jsm.streams.getMessage(STREAM.logs, { last_by_subj: attemptLogSubject(taskId, attempt) });
      const from = last ? agentPosition(last.header) : { frame: 0 };
      d.slots.take();
      d.host.launch(task, attempt, { reattach: { containerId: c.id, ...(from.resume ? { since: from.resume } : {}) }, from });
      log.info({ resumeAfter: from.resume ?? "start", frame: from.frame }, "re-attached to a running attempt");
      reattached++;
    } else {
      log.warn({ state: c.state }, "container of an attempt that is no longer ours: removing it");
      await runtime.kill(c.id, "SIGKILL").catch(() => {});
      await runtime.remove(c.id).catch((err) => log.error({ err }, "could not remove a stale container"));
    }
  }
  // Claimed by our previous run, never started: nothing to re-attach, so report them lost.
  for (const r of d.previous?.running ?? []) {
    if (seen.has(`${r.taskId}.${r.attempt}`)) continue;
    const task = await readTask(infra, r.taskId);
    if (!task || !(await stillOurs(d, task, r.attempt))) continue;
    await d.report({
      type: "finished",
      taskId: r.taskId,
      attempt: r.attempt,
      nodeId,
      outcome: { exitCode: -1, failureReason: "CONTAINER_ERROR", message: "the agent restarted before the container started" },
      time: Date.now(),
    });
  }
  return reattached;
}

async function readTask(infra: Infra, id: string): Promise<TaskRecord | null> {
  const e = await infra.tasks.get(id);
  return e?.operation === "PUT" ? e.json<TaskRecord>() : null;
}

/**
 * Current and held by this node (per the record, or per the claim if the record lags). A
 * cancel asked meanwhile still counts as ours: the re-attached runner stops it and reports.
 */
async function stillOurs(d: RecoverDeps, task: TaskRecord, attempt: number): Promise<boolean> {
  if (stopCauseFor(task, attempt)?.kind === "superseded") return false;
  const holder = currentAttempt(task).nodeId;
  if (holder !== undefined) return holder === d.nodeId;
  const claim = await d.infra.claims.get(claimKey(task.id, attempt));
  return claim?.operation === "PUT" && claim.string() === d.nodeId;
}
