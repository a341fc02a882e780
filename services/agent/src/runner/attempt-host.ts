import { join } from "node:path";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { AgentEvent, TaskRecord } from "@trainyard/common";
import { publishEvent } from "../bus/events.js";
import type { CheckpointStore } from "../bus/checkpoints.js";
import type { AttemptRecords } from "../bus/records.js";
import type { AgentConfig } from "../config.js";
import type { StopCause } from "../core/classify.js";
import { attemptGpus } from "../core/container-spec.js";
import type { Slots } from "../intake/slots.js";
import { AttemptLog } from "../logs/attempt-log.js";
import type { AgentMetrics } from "../metrics.js";
import type { ContainerRuntime } from "../runtime/container-runtime.js";
import { runAttempt } from "./run-attempt.js";
import type { RunningAttempt, RunningAttempts } from "./running.js";
import { sayer } from "./say.js";

export interface AttemptHostOptions {
  config: AgentConfig;
  js: JetStreamClient;
  records: AttemptRecords;
  checkpoints: CheckpointStore;
  runtime: ContainerRuntime;
  slots: Slots;
  running: RunningAttempts;
  logger: Logger;
  metrics: AgentMetrics;
}

/**
 * Runs the attempts this agent holds: builds each one's log and context, keeps the registry
 * (GetNode, StreamLogs, heartbeats), frees its slot when it ends, and stops or detaches them
 * all on request. The caller has taken a slot for every launch.
 *
 *   running ──detachAll() (SIGTERM)──▶ containers left running, unreported ──▶ settled()
 */
export class AttemptHost {
  private readonly attempts = new Set<Promise<unknown>>();
  private readonly detach = new AbortController();
  private readonly lastCall = new AbortController();

  constructor(private readonly o: AttemptHostOptions) {}

  /** The attempts held (GetNode, StreamLogs, heartbeats, the reconciler). */
  get running(): RunningAttempts {
    return this.o.running;
  }

  /** Starts (or, with `reattach`, resumes) an attempt; returns at once. */
  launch(
    task: TaskRecord,
    attempt: number,
    how: { reattach?: { containerId: string; resume?: string; gpuIds?: string[] }; from?: { frame: number; resume?: string } } = {},
  ): void {
    const { config, js } = this.o;
    const log = this.o.logger.child({ task: task.id, attempt });
    // The outcome is retried until reportGraceMs after shutdown began; the rest give up at shutdown.
    const report = (e: AgentEvent) =>
      publishEvent(js, e, log, e.type === "finished" ? this.lastCall.signal : this.detach.signal);
    const attemptLog = new AttemptLog({
      js,
      taskId: task.id,
      attempt,
      nodeId: config.nodeId,
      filePath: join(config.logDir, task.id, `attempt-${attempt}.log`),
      fileMaxBytes: config.logFileMaxBytes,
      fileKeep: config.logFileKeep,
      bufferBytes: config.logBufferBytes,
      maxPublishedBytes: config.attemptLogMaxBytes,
      logger: log,
      signal: this.lastCall.signal,
      onPublished: (bytes) => this.o.metrics.framePublished(bytes),
      ...(how.from ? { from: how.from } : {}),
    });
    // A re-attached container's devices are those on its label (what it really got).
    const gpuIds = how.reattach?.gpuIds ?? attemptGpus(task, attempt);
    const entry: RunningAttempt = { taskId: task.id, attempt, image: task.spec.image, startTime: Date.now(), log: attemptLog, finished: false, gpuIds };
    if (how.reattach) entry.containerId = how.reattach.containerId;
    this.running.add(entry);
    const p = runAttempt({
      task,
      attempt,
      nodeId: config.nodeId,
      runtime: this.o.runtime,
      records: this.o.records,
      checkpoints: this.o.checkpoints,
      log: attemptLog,
      logger: log,
      pidsLimit: config.pidsLimit,
      gpuMode: config.gpuMode,
      allowedHostPaths: config.allowedHostPaths,
      metrics: this.o.metrics,
      report,
      say: sayer(attemptLog, report, { taskId: task.id, attempt, nodeId: config.nodeId }),
      detach: this.detach.signal,
      ...(how.reattach ? { reattach: how.reattach } : {}),
      onContainer: (id) => (entry.containerId = id),
      onStopper: (stop) => (entry.stop = stop),
    })
      .catch((err) => log.error({ err }, "attempt runner failed"))
      .finally(() => {
        this.running.finish(task.id, attempt);
        this.o.slots.release();
        this.attempts.delete(p);
      });
    this.attempts.add(p);
  }

  /** True once detachAll() began (SIGTERM): containers are being left for the next start. */
  get detaching(): boolean {
    return this.detach.signal.aborted;
  }

  /** Stops every running attempt with `cause` (drain deadline, self-fencing); returns how many. */
  stopAll(cause: StopCause): number {
    const active = this.running.active();
    for (const a of active) a.stop?.(cause);
    return active.length;
  }

  /** Resolves when no attempt is running any more. */
  async settled(): Promise<void> {
    while (this.attempts.size) await Promise.allSettled([...this.attempts]);
  }

  /** SIGTERM: leave running containers to the next start; give outcomes a last while to go out. */
  async detachAll(): Promise<void> {
    this.detach.abort();
    const giveUp = setTimeout(() => this.lastCall.abort(), this.o.config.reportGraceMs);
    await this.settled();
    clearTimeout(giveUp);
  }
}
