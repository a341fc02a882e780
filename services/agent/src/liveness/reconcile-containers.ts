/**
 * Run after each heartbeat (Nomad's reconcile_dangling), so that what the agent runs matches
 * what it should:
 *   - attempts whose record moved on while we could not tell (a missed watch update) are stopped;
 *   - containers of this node that no attempt of ours holds any more are removed: left behind
 *     when Docker was unreachable at the moment an attempt ended (an engine restart), they
 *     would otherwise stay forever.
 * Skipped once the agent is detaching (SIGTERM): its containers are left for the next start.
 */
import type { Logger } from "pino";
import type { AttemptRecords } from "../bus/records.js";
import { LABEL } from "../core/container-spec.js";
import { attemptKey, containerAttempt, orphanedContainers } from "../core/recovery.js";
import { stopCauseFor } from "../core/stop-cause.js";
import type { AttemptHost } from "../runner/attempt-host.js";
import type { ContainerRuntime } from "../runtime/container-runtime.js";

export async function reconcileContainers(host: AttemptHost, records: AttemptRecords, runtime: ContainerRuntime, nodeId: string, logger: Logger): Promise<void> {
  if (host.detaching) return;
  for (const a of host.running.active()) {
    const cause = stopCauseFor(await records.task(a.taskId), a.attempt);
    if (cause) a.stop?.(cause);
  }
  await removeOrphans(host, runtime, nodeId, logger).catch((err) => logger.debug({ err: String(err) }, "container sweep skipped: Docker not answering"));
}

async function removeOrphans(host: AttemptHost, runtime: ContainerRuntime, nodeId: string, logger: Logger): Promise<void> {
  const listed = await runtime.list(`${LABEL.node}=${nodeId}`);
  const held = new Set(host.running.active().map((a) => attemptKey(a.taskId, a.attempt)));
  for (const c of orphanedContainers(listed, held)) {
    if (host.detaching) return;
    const { taskId, attempt } = containerAttempt(c);
    const log = logger.child({ task: taskId, attempt, container: c.id.slice(0, 12) });
    log.warn({ state: c.state }, "removing a container no attempt holds (left behind while Docker was unreachable)");
    await runtime.kill(c.id, "SIGKILL").catch(() => {});
    await runtime.remove(c.id).catch((err) => log.error({ err }, "could not remove an orphaned container"));
  }
}
