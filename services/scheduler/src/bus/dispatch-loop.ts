import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { TaskRecord } from "@trainyard/common";
import { dispatchDue } from "../core/dispatch.js";
import { applyInput } from "../store/apply.js";
import type { TaskStore } from "../store/task-store.js";
import type { TaskView } from "../store/task-view.js";
import { publishDispatch } from "./dispatcher.js";

/**
 * Publishes the dispatch message of every PENDING attempt whose retry delay has passed, then
 * records the dispatch time. Every replica runs one; message ids and compare-and-set make
 * their overlap harmless. Wakes on each change of the view and at the next due time.
 *
 *   idle ──change or timer──▶ scanning ──▶ idle        stop(): stopped
 */
export class DispatchLoop {
  private readonly pending = new Set<string>();
  private readonly inFlight = new Set<string>();
  private timer?: NodeJS.Timeout;
  private scheduled = false;
  private stopped = false;
  private unsubscribe?: () => void;

  constructor(
    private readonly view: TaskView,
    private readonly store: TaskStore,
    private readonly js: JetStreamClient,
    private readonly clock: () => number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const t of this.view.values()) this.track(t);
    this.unsubscribe = this.view.onChange((t) => {
      this.track(t);
      this.wake();
    });
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
  }

  private track(t: TaskRecord): void {
    if (t.state === "PENDING") this.pending.add(t.id);
    else this.pending.delete(t.id);
  }

  private wake(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.scan();
    });
  }

  private scan(): void {
    if (this.stopped) return;
    const now = this.clock();
    let next = Infinity;
    for (const id of this.pending) {
      const t = this.view.get(id);
      if (!t || this.inFlight.has(id)) continue;
      const d = dispatchDue(t, now);
      if (d.due) void this.dispatch(t, d.attempt);
      else if (d.at !== undefined) next = Math.min(next, d.at);
    }
    clearTimeout(this.timer);
    // Also rescan now and then: a failed dispatch is retried, whatever the view does.
    const wait = Math.max(5, Math.min(next - now, 1_000));
    this.timer = setTimeout(() => this.scan(), wait);
  }

  private async dispatch(t: TaskRecord, attempt: number): Promise<void> {
    this.inFlight.add(t.id);
    try {
      await publishDispatch(this.js, t.spec.pool, { taskId: t.id, attempt });
      const s = await applyInput(this.store, this.js, t.id, { type: "dispatched", taskId: t.id, attempt, time: this.clock() });
      this.view.offer(s.task, s.revision);
      this.logger.debug({ task: t.id, attempt, pool: t.spec.pool }, "dispatched");
    } catch (err) {
      this.logger.warn({ task: t.id, attempt, err }, "dispatch failed; will retry");
    } finally {
      this.inFlight.delete(t.id);
    }
  }
}
