import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { LogFrame, TaskRecord, TaskState } from "@trainyard/common";
import { endedAttempts, firstStartLatency, TASK_STATES } from "./core/observe.js";

/** Seconds from submit to first start: queueing, retry delays of dispatch, image pulls. */
const START_LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * The scheduler's own series, in its instance's registry (see docs/operations.md, Metrics).
 * `stored` is called by the task store after every successful compare-and-set, so an attempt's
 * end is counted once however many replicas raced to apply it. Tasks by state are read from
 * this replica's task view at scrape time.
 */
export class SchedulerMetrics {
  private readonly attempts: Counter<"outcome" | "reason">;
  private readonly startLatency: Histogram;
  private readonly frames: Counter;
  private readonly bytes: Counter;

  constructor(
    readonly registry: Registry,
    /** Tasks by state (TaskView.countByState). */
    counts: () => Record<TaskState, number>,
  ) {
    const registers = [registry];
    new Gauge({
      name: "trainyard_tasks",
      help: "Tasks by state, from this scheduler replica's view of the tasks bucket",
      labelNames: ["state"] as const,
      registers,
      collect() {
        const now = counts();
        for (const s of TASK_STATES) this.set({ state: s }, now[s]);
      },
    });
    this.attempts = new Counter({
      name: "trainyard_attempts_total",
      help: 'Attempts ended, by outcome (succeeded, failed, cancelled) and failure reason ("none" for success)',
      labelNames: ["outcome", "reason"] as const,
      registers,
    });
    this.startLatency = new Histogram({
      name: "trainyard_task_start_latency_seconds",
      help: "Seconds from a task's submit to its first container start",
      buckets: START_LATENCY_BUCKETS,
      registers,
    });
    this.frames = new Counter({ name: "trainyard_log_frames_delivered_total", help: "Log frames sent to StreamLogs clients", registers });
    this.bytes = new Counter({ name: "trainyard_log_bytes_delivered_total", help: "Log bytes (frame data) sent to StreamLogs clients", registers });
  }

  /** After a successful write of `after` over `before` (undefined for a create). */
  stored(before: TaskRecord | undefined, after: TaskRecord): void {
    for (const a of endedAttempts(before, after)) {
      this.attempts.inc({ outcome: a.state.toLowerCase(), reason: a.failureReason ?? "none" });
    }
    const latency = firstStartLatency(before, after);
    if (latency !== undefined) this.startLatency.observe(latency);
  }

  /** A batch of frames handed to a StreamLogs client. */
  delivered(frames: readonly LogFrame[]): void {
    if (!frames.length) return;
    this.frames.inc(frames.length);
    this.bytes.inc(frames.reduce((n, f) => n + f.data.length, 0));
  }
}
