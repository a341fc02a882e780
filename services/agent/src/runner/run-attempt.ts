import type { JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import { formatDuration, type AgentEvent, type Outcome, type TaskRecord } from "@trainyard/common";
import type { AttemptLog } from "../logs/attempt-log.js";
import { ImagePullError, type ContainerRuntime } from "../runtime/container-runtime.js";
import { classify, type StopCause } from "./classify.js";
import { containerSpec } from "./container-spec.js";
import { ensureImage } from "./ensure-image.js";
import { watchRecord } from "./record-watch.js";
import { stopContainer } from "./stop-container.js";

export interface AttemptContext {
  task: TaskRecord;
  attempt: number;
  nodeId: string;
  runtime: ContainerRuntime;
  js: JetStreamClient;
  tasks: KV;
  log: AttemptLog;
  logger: Logger;
  pidsLimit: number;
  /** Reports to the scheduler; resolves once stored. */
  report: (e: AgentEvent) => Promise<void>;
  /** Aborted when the agent shuts down: the attempt is stopped and reported. */
  shutdown: AbortSignal;
  /** Told the container id as soon as there is one. */
  onContainer: (id: string) => void;
}

/**
 * Runs one claimed attempt to its end. The phases, in order:
 *
 *   watch record ─▶ ensure image ─▶ create ─▶ start ─▶ stream logs ─▶ wait ─▶ inspect
 *        │                                              (timeout / cancel / shutdown:
 *        │                                               SIGTERM, grace, SIGKILL)
 *        └─▶ always: SYSTEM line with the outcome ─▶ flush log ─▶ remove container ─▶ report
 *
 * Never throws: every failure becomes an Outcome (IMAGE_UNAVAILABLE, CONTAINER_ERROR, …).
 * The container is removed on every path before the outcome is reported, so a task seen as
 * final has no container left.
 */
export async function runAttempt(c: AttemptContext): Promise<Outcome> {
  const { task, attempt, logger } = c;
  const stop = new AbortController();
  const requestStop = (cause: StopCause) => {
    if (!stop.signal.aborted) stop.abort(cause);
  };
  const onShutdown = () => requestStop({ kind: "shutdown" });
  c.shutdown.addEventListener("abort", onShutdown, { once: true });
  let containerId: string | undefined;
  let outcome: Outcome;
  let watch: { stop(): void } | undefined;

  try {
    watch = await watchRecord(c.tasks, task.id, attempt, requestStop, (err) => logger.warn({ err }, "record watch ended"));
    if (c.shutdown.aborted) onShutdown();
    outcome = await execute(c, stop, (id) => {
      containerId = id;
      c.onContainer(id);
    });
  } catch (err) {
    if (stop.signal.aborted) {
      outcome = classify({ exitCode: -1, oomKilled: false }, stop.signal.reason as StopCause);
    } else {
      logger.error({ err }, "attempt failed in the agent");
      outcome = { exitCode: -1, failureReason: "CONTAINER_ERROR", message: messageOf(err) };
    }
  } finally {
    c.shutdown.removeEventListener("abort", onShutdown);
  }
  return finish(c, outcome, containerId, watch);
}

/** Image, create, start, supervise. Throws when stopped before the container runs. */
async function execute(c: AttemptContext, stop: AbortController, setContainer: (id: string) => void): Promise<Outcome> {
  const { task, attempt, nodeId, runtime, log, logger } = c;
  const base = { taskId: task.id, attempt, nodeId };
  const progress = (message: string) => void c.report({ type: "progress", ...base, message, time: Date.now() });
  try {
    await ensureImage(runtime, task.spec.image, (l) => log.system(l), progress, stop.signal);
  } catch (err) {
    if (stop.signal.aborted) throw err;
    const message = err instanceof ImagePullError ? err.message : messageOf(err);
    return { exitCode: -1, failureReason: "IMAGE_UNAVAILABLE", message };
  }
  stop.signal.throwIfAborted();
  const id = await runtime.create(containerSpec(task, attempt, nodeId, c.pidsLimit));
  setContainer(id);
  stop.signal.throwIfAborted();
  await runtime.start(id);
  logger.info({ container: id.slice(0, 12), image: task.spec.image }, "container started");
  await c.report({ type: "started", ...base, containerId: id, time: Date.now() });
  return supervise(c, id, stop);
}

/** Streams logs and waits for the container, enforcing timeout and stop requests. */
async function supervise(c: AttemptContext, id: string, stop: AbortController): Promise<Outcome> {
  const { runtime, log, task } = c;
  const logsDone = new AbortController();
  const pump = pumpLogs(c, id, logsDone.signal);
  const exited = runtime.wait(id);
  exited.catch(() => {}); // awaited below; this only keeps an early rejection from going unhandled
  let cause: StopCause | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeoutMs = task.spec.timeoutMs;
    const timedOut = new Promise<StopCause>((r) => {
      if (timeoutMs > 0) timer = setTimeout(() => r({ kind: "timeout", afterMs: timeoutMs }), timeoutMs);
    });
    const first = await Promise.race([exited.then(() => undefined), timedOut, stopRequested(stop.signal)]);
    clearTimeout(timer);
    if (first) {
      cause = first;
      log.system(describeStop(first));
      await stopContainer(runtime, id, task.spec.stopGraceMs, exited, (l) => log.system(l));
    }
    await exited;
    // The log stream ends with the container; give a slow one a little while, then cut it.
    const cut = setTimeout(() => logsDone.abort(), 10_000);
    await pump;
    clearTimeout(cut);
    return classify(await runtime.inspect(id), cause);
  } catch (err) {
    // Docker failed us mid-way; a stop we had begun still names the cause.
    if (cause) return classify({ exitCode: -1, oomKilled: false }, cause);
    throw err;
  } finally {
    clearTimeout(timer);
    logsDone.abort();
    await pump;
  }
}

/** Copies the container's output into the attempt log, honouring its back-pressure, until the stream ends or `signal`. */
async function pumpLogs(c: AttemptContext, id: string, signal: AbortSignal): Promise<void> {
  const aborted = new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
  try {
    for await (const batch of c.runtime.logs(id, { signal })) {
      for (const e of batch) {
        const full = c.log.write(e.stream, e.time, e.data, e.stamp);
        if (full) await Promise.race([full, aborted]);
        if (signal.aborted) return;
      }
    }
  } catch (err) {
    if (!signal.aborted) c.logger.warn({ err }, "log stream ended early");
  }
}

function stopRequested(signal: AbortSignal): Promise<StopCause> {
  return new Promise((r) => {
    if (signal.aborted) return r(signal.reason as StopCause);
    signal.addEventListener("abort", () => r(signal.reason as StopCause), { once: true });
  });
}

async function finish(c: AttemptContext, outcome: Outcome, containerId: string | undefined, watch?: { stop(): void }): Promise<Outcome> {
  const { log, logger, runtime } = c;
  watch?.stop();
  log.system(outcomeLine(outcome));
  await log.close();
  if (containerId) {
    for (let i = 0; ; i++) {
      try {
        await runtime.remove(containerId);
        break;
      } catch (err) {
        if (i >= 4) {
          logger.error({ err, container: containerId }, "could not remove container");
          break;
        }
        await new Promise((r) => setTimeout(r, 500 * (i + 1)));
      }
    }
  }
  logger.info({ outcome, frames: log.framesPublished }, "attempt finished");
  await c.report({ type: "finished", taskId: c.task.id, attempt: c.attempt, nodeId: c.nodeId, outcome, time: Date.now() }).catch((err) =>
    logger.error({ err }, "outcome not reported"),
  );
  return outcome;
}

function describeStop(cause: StopCause): string {
  switch (cause.kind) {
    case "cancel":
      return cause.reason ? `cancel requested: ${cause.reason}` : "cancel requested";
    case "superseded":
      return "this attempt is no longer current: stopping it";
    case "shutdown":
      return "agent shutting down: stopping the task";
    case "timeout":
      return `timed out after ${formatDuration(cause.afterMs)}`;
  }
}

function outcomeLine(o: Outcome): string {
  if (!o.failureReason) return "exited with code 0";
  if (o.failureReason === "EXIT_CODE") return `exited with code ${o.exitCode}`;
  return `${o.failureReason.toLowerCase().replace(/_/g, " ")}: ${o.message}`;
}

function messageOf(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return (e?.json?.message ?? e?.message ?? String(err)).trim();
}
