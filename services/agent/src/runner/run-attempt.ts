import type { Logger } from "pino";
import { endLine, namespaceOf, retry, type AgentEvent, type AttemptEnd, type Mount, type Outcome, type TaskRecord } from "@trainyard/common";
import type { CheckpointStore } from "../bus/checkpoints.js";
import type { AttemptRecords } from "../bus/records.js";
import { classify, type StopCause } from "../core/classify.js";
import { containerSpec } from "../core/container-spec.js";
import type { AttemptLog } from "../logs/attempt-log.js";
import type { AgentMetrics } from "../metrics.js";
import { ImagePullError, type ContainerRuntime } from "../runtime/container-runtime.js";
import { messageOf } from "../runtime/error-message.js";
import { CheckpointSaver, RestoreRefused, restoreCheckpoint } from "./checkpoints.js";
import { ensureImage } from "./ensure-image.js";
import { watchForStop } from "./record-watch.js";
import { MountRefusedError, resolveMounts } from "./resolve-mounts.js";
import type { Say } from "./say.js";
import { Detached, supervise, type Attached } from "./supervise.js";

export interface AttemptContext {
  task: TaskRecord;
  attempt: number;
  nodeId: string;
  runtime: ContainerRuntime;
  /** The task's record, watched while the attempt runs (cancel, superseded). */
  records: AttemptRecords;
  log: AttemptLog;
  logger: Logger;
  pidsLimit: number;
  gpuMode: "device-requests" | "env";
  /** Host path prefixes bind mounts may use (TRAINYARD_ALLOWED_HOST_PATHS); empty: none. */
  allowedHostPaths: readonly string[];
  metrics: AgentMetrics;
  /** Reports to the scheduler; resolves once stored. */
  report: (e: AgentEvent) => Promise<void>;
  /** Tells what happened (a SYSTEM line, and a note or progress to the scheduler). */
  say: Say;
  /** Where checkpoint saves go (TaskSpec.checkpoint). */
  checkpoints: CheckpointStore;
  /**
   * Aborted when the agent shuts down (SIGTERM): a running container is left running, its log
   * flushed, nothing reported, for the next start of the agent to re-attach; an attempt whose
   * container has not started yet is stopped and reported (CONTAINER_ERROR, retried).
   */
  detach: AbortSignal;
  /** Re-attach to this attempt's container, which an earlier run of the agent started. */
  reattach?: { containerId: string; resume?: string };
  /** Told the container id as soon as there is one. */
  onContainer: (id: string) => void;
  /** Handed the function that stops this attempt (heartbeat fencing, drain deadlines). */
  onStopper: (stop: (cause: StopCause) => void) => void;
}

export type AttemptResult = Outcome | "detached";

/** Waits between the 5 tries of a removal: 0.5, 1, 2, 2 s. */
const REMOVE_BACKOFF = { initialMs: 500, maxMs: 2_000 };

/**
 * Runs one claimed attempt to its end. The phases, in order:
 *
 *   watch record ─▶ ensure image ─▶ check mounts ─▶ create ─▶ restore checkpoint ─▶ attach ─▶ start ─▶ supervise (output, wait, timeout, stop; checkpoint saves)
 *        │           (re-attach: straight to supervise, the engine's log re-read after the lines shipped)
 *        └─▶ always: SYSTEM line with the outcome ─▶ flush log ─▶ remove container ─▶ report
 *            except when detached (agent SIGTERM): flush log, leave the container, report nothing
 *
 * Never throws: every failure becomes an Outcome classified from its fact (core/classify.ts):
 * IMAGE_UNAVAILABLE, CONTAINER_ERROR, … A refused mount (end "mount-refused") is not retried:
 * every attempt would be refused the same way.
 * The container is removed on every path before the outcome is reported, so a task seen as
 * final has no container left.
 */
export async function runAttempt(c: AttemptContext): Promise<AttemptResult> {
  const { task, attempt, logger } = c;
  const stop = new AbortController();
  const requestStop = (cause: StopCause) => {
    if (!stop.signal.aborted) stop.abort(cause);
  };
  c.onStopper(requestStop);
  let containerId = c.reattach?.containerId;
  let result: AttemptResult;
  let watch: { stop(): void } | undefined;

  try {
    watch = await watchForStop(c.records, task.id, attempt, requestStop, (err) => logger.warn({ err }, "reading the task record failed; trying again"));
    result = await execute(c, stop.signal, (id) => {
      containerId = id;
      c.onContainer(id);
    });
  } catch (err) {
    if (err instanceof Detached) result = "detached";
    else if (stop.signal.aborted) result = classify({ kind: "stopped", cause: stop.signal.reason as StopCause, exitCode: -1 });
    else if (c.detach.aborted) result = classify({ kind: "stopped", cause: { kind: "shutdown" }, exitCode: -1 });
    else {
      logger.error({ err }, "attempt failed in the agent");
      result = classify({ kind: "container-error", error: messageOf(err) });
    }
  }
  // When the attempt ended (its container exited): its end time, not when the cleanup is done.
  const endedAt = Date.now();
  watch?.stop();
  if (result === "detached") {
    await c.log.close();
    logger.info({ container: containerId?.slice(0, 12), frames: c.log.framesPublished }, "detached; the container keeps running");
    return result;
  }
  return finish(c, result, containerId, endedAt);
}

/** Image, create, start (or re-attach), supervise. Throws when stopped before the container runs. */
async function execute(c: AttemptContext, stop: AbortSignal, setContainer: (id: string) => void): Promise<Outcome> {
  const { task, attempt, nodeId, runtime, logger } = c;
  if (c.reattach) {
    const st = await runtime.inspect(c.reattach.containerId);
    // Created, never started (the agent stopped in between): the command never ran.
    if (!st.running && !st.startedAt) return classify({ kind: "never-started" });
    c.say({ kind: "reattached", running: st.running });
    return withSaves(c, c.reattach.containerId, () => supervise(c, c.reattach!.containerId, stop, st.startedAt || Date.now(), { resume: c.reattach!.resume }));
  }
  // Before the container starts, a shutdown stops the attempt rather than leaving it.
  const early = AbortSignal.any([stop, c.detach]);
  const imageStart = performance.now();
  try {
    const how = await ensureImage(runtime, task.spec.image, c.say, early);
    c.metrics.imageReady(how, seconds(imageStart));
  } catch (err) {
    if (early.aborted) throw err;
    c.metrics.imageReady("failed", seconds(imageStart));
    return classify(imageUnavailable(err));
  }
  early.throwIfAborted();
  // Checked right before create: the less time between the check and Docker's mount, the better.
  let mounts: Mount[];
  try {
    mounts = await resolveMounts(task.spec.mounts ?? [], c.allowedHostPaths, (v) => runtime.volumeLabels(v), namespaceOf(task));
  } catch (err) {
    if (!(err instanceof MountRefusedError)) throw err;
    logger.warn({ reason: err.message }, "mount refused");
    return classify({ kind: "mount-refused", error: err.message });
  }
  const startStart = performance.now();
  let id: string;
  let attached: Attached | undefined;
  try {
    const spec = containerSpec(task, attempt, nodeId, c.pidsLimit, mounts, c.gpuMode);
    id = await runtime.create(spec);
    setContainer(id);
    early.throwIfAborted();
    try {
      await restoreCheckpoint(c, id);
    } catch (err) {
      if (!(err instanceof RestoreRefused)) throw err;
      // A fresh container: nothing of a save that was refused half-way through stays.
      c.say({ kind: "checkpoint-not-restored", fromAttempt: err.fromAttempt, error: err.reason });
      await runtime.remove(id);
      id = await runtime.create(spec);
      setContainer(id);
    }
    early.throwIfAborted();
    attached = await attach(c, id);
    await runtime.start(id);
  } catch (err) {
    attached?.close.abort();
    if (!early.aborted) c.metrics.containerStarted(false, seconds(startStart));
    throw err;
  }
  c.metrics.containerStarted(true, seconds(startStart));
  logger.info({ container: id.slice(0, 12), image: task.spec.image }, "container started");
  // The container runs: a shutdown while its start is being reported leaves it (supervise detaches).
  try {
    await c.report({ type: "started", taskId: task.id, attempt, nodeId, containerId: id, time: Date.now() }).catch((err) => {
      if (!c.detach.aborted) throw err;
    });
  } catch (err) {
    attached?.close.abort();
    throw err;
  }
  return withSaves(c, id, () => supervise(c, id, stop, Date.now(), attached ? { attached } : {}));
}

/** Runs `supervised` with the task's checkpoint saved every interval, and once more when it returns an outcome. */
async function withSaves(c: AttemptContext, id: string, supervised: () => Promise<Outcome>): Promise<Outcome> {
  if (!c.task.spec.checkpoint) return supervised();
  const saver = new CheckpointSaver(c, id);
  try {
    const outcome = await supervised();
    await saver.final();
    return outcome;
  } finally {
    saver.stop();
  }
}

/**
 * Attaches to the created container's output, to read it live (several times faster than the
 * engine's log follow). When the runtime cannot, the output is read from the engine's log.
 */
async function attach(c: AttemptContext, id: string): Promise<Attached | undefined> {
  if (!c.runtime.attach) return undefined;
  const close = new AbortController();
  try {
    return { entries: await c.runtime.attach(id, close.signal), close };
  } catch (err) {
    c.logger.warn({ err }, "could not attach to the container's output; reading it from the engine's log");
    return undefined;
  }
}

async function finish(c: AttemptContext, outcome: Outcome, containerId: string | undefined, endedAt: number): Promise<AttemptResult> {
  const { log, logger, runtime } = c;
  log.system(endLine(outcome));
  await log.close();
  if (log.droppedBytes > 0 && containerId) {
    // The agent is stopping and NATS did not take the end of the log. The container keeps it:
    // the next start re-attaches, re-reads from the last line shipped, and reports the outcome.
    logger.error({ container: containerId.slice(0, 12), droppedBytes: log.droppedBytes }, "log not delivered before shutdown: container left for the next start");
    return "detached";
  }
  if (containerId) {
    // Cleanup: bounded, not cancellable. A container still here after that is removed by the
    // heartbeat's reconciler (it no longer belongs to a running attempt).
    const id = containerId;
    await retry(() => runtime.remove(id), { backoff: REMOVE_BACKOFF, retries: 4 }).catch((err) =>
      logger.error({ err, container: id }, "could not remove container"),
    );
  }
  logger.info({ outcome, frames: log.framesPublished }, "attempt finished");
  await c.report({ type: "finished", taskId: c.task.id, attempt: c.attempt, nodeId: c.nodeId, outcome, time: endedAt }).catch((err) =>
    logger.error({ err }, "outcome not reported"),
  );
  return outcome;
}

/** A failed pull as a fact: permanent when the engine said waiting will not help (runtime/docker-pull.ts). */
function imageUnavailable(err: unknown): AttemptEnd {
  return { kind: "image-unavailable", error: messageOf(err), permanent: err instanceof ImagePullError && err.permanent };
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}
