import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import type { TaskRecord } from "@trainyard/common";
import type { AttemptHost } from "./attempt-host.js";
import { LABEL } from "./runner/container-spec.js";
import { stopCauseFor } from "./runner/record-watch.js";
import type { ContainerRuntime } from "./runtime/container-runtime.js";

/**
 * Run after each heartbeat, so that what the agent runs matches what it should:
 *   - attempts whose record moved on while we could not tell (a missed watch update) are stopped;
 *   - containers of this node that no attempt of ours holds any more are removed: left behind
 *     when Docker was unreachable at the moment an attempt ended (an engine restart), they
 *     would otherwise stay forever.
 */
export async function fence(host: AttemptHost, tasks: KV, runtime: ContainerRuntime, nodeId: string, logger: Logger): Promise<void> {
  // Shutting down (SIGTERM): detached containers are left for the next start on purpose.
  if (host.detaching) return;
  for (const a of host.running.active()) {
    const e = await tasks.get(a.taskId);
    const cause = e?.operation === "PUT" ? stopCauseFor(e.json<TaskRecord>(), a.attempt) : { kind: "superseded" as const };
    if (cause) a.stop?.(cause);
  }
  await sweep(host, runtime, nodeId, logger).catch((err) => logger.debug({ err: String(err) }, "container sweep skipped: Docker not answering"));
}

async function sweep(host: AttemptHost, runtime: ContainerRuntime, nodeId: string, logger: Logger): Promise<void> {
  const listed = await runtime.list(`${LABEL.node}=${nodeId}`);
  // Taken after listing: an attempt registers before it creates its container and leaves the
  // registry only after removing it, so a listed container whose attempt is not held now is an
  // orphan (or already gone: then the kill and remove below find nothing).
  const held = new Set(host.running.active().map((a) => `${a.taskId}.${a.attempt}`));
  for (const c of listed) {
    if (held.has(`${c.labels[LABEL.task]}.${c.labels[LABEL.attempt]}`) || host.detaching) continue;
    const log = logger.child({ task: c.labels[LABEL.task], attempt: Number(c.labels[LABEL.attempt]), container: c.id.slice(0, 12) });
    log.warn({ state: c.state }, "removing a container no attempt holds (left behind while Docker was unreachable)");
    await runtime.kill(c.id, "SIGKILL").catch(() => {});
    await runtime.remove(c.id).catch((err) => log.error({ err }, "could not remove an orphaned container"));
  }
}
