import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { currentAttempt, type TaskRecord } from "@trainyard/common";
import { dispatchDue, dispatchToVerify } from "../core/dispatch.js";
import { applyInput } from "../store/apply.js";
import type { TaskStore } from "../store/task-store.js";
import type { TaskView } from "../store/task-view.js";
import { dispatchStillQueued, publishDispatch } from "./dispatcher.js";

/**
 * Publishes the dispatch message of every PENDING attempt whose retry delay has passed, then
 * records the dispatch time. Every replica runs one; message ids and compare-and-set make
 * their overlap harmless. Wakes on each change of the view and at the next due time.
 * Every VERIFY_EVERY_MS it also checks that dispatches older than that are still queued. One
 * that left the queue while its task stayed PENDING was taken by an agent: if no agent claimed
 * the attempt it is dispatched again; if the claimant's lease lapsed (it died between claiming
 * and reporting) the attempt is lost with it; if the claimant lives, its report is on the way.
 * So no task waits forever for a message that is gone.
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
  private verifier?: NodeJS.Timeout;

  constructor(
    private readonly view: TaskView,
    private readonly store: TaskStore,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly clock: () => number,
    private readonly logger: Logger,
    private readonly verifyEveryMs = VERIFY_EVERY_MS,
    private readonly claims: ClaimLookup = { holder: async () => null, lostWhy: () => null },
  ) {}

  start(): void {
    for (const t of this.view.values()) this.track(t);
    this.unsubscribe = this.view.onChange((t) => {
      this.track(t);
      this.wake();
    });
    this.wake();
    this.verifier = setInterval(() => void this.verify(), this.verifyEveryMs);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    clearInterval(this.verifier);
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
      const seq = await publishDispatch(this.js, t.spec.pool, { taskId: t.id, attempt }, currentAttempt(t).dispatches ?? 0);
      const s = await applyInput(this.store, this.js, t.id, { type: "dispatched", taskId: t.id, attempt, seq, time: this.clock() });
      this.view.offer(s.task, s.revision);
      this.logger.debug({ task: t.id, attempt, pool: t.spec.pool }, "dispatched");
    } catch (err) {
      this.logger.warn({ task: t.id, attempt, err }, "dispatch failed; will retry");
    } finally {
      this.inFlight.delete(t.id);
    }
  }

  private async verify(): Promise<void> {
    const now = this.clock();
    for (const id of this.pending) {
      const t = this.view.get(id);
      const seq = t && !this.inFlight.has(id) ? dispatchToVerify(t, now, this.verifyEveryMs) : null;
      if (!t || seq === null || this.stopped) continue;
      try {
        if (await dispatchStillQueued(this.jsm, seq)) continue;
        const cur = currentAttempt(t);
        const attempt = cur.number;
        const holder = await this.claims.holder(id, attempt);
        const why = holder === null ? null : this.claims.lostWhy(holder, cur.dispatchTime ?? now, this.clock());
        if (holder !== null && why === null) continue; // claimed by a live agent: its report will come
        const input =
          holder === null
            ? ({ type: "dispatch-lost", taskId: id, attempt, time: this.clock() } as const)
            : ({ type: "node-lost", taskId: id, attempt, nodeId: holder, why: why!, time: this.clock() } as const);
        const s = await applyInput(this.store, this.js, id, input);
        this.view.offer(s.task, s.revision);
        this.logger.warn({ task: id, attempt, seq, ...(holder !== null && { node: holder }) }, "dispatch taken but the attempt is not running; recovering it");
      } catch (err) {
        this.logger.warn({ task: id, attempt: currentAttempt(t).number, err }, "could not verify a dispatch");
      }
    }
  }
}

/** Who claimed an attempt (null: nobody), and whether that node counts as lost (why, or null). */
export interface ClaimLookup {
  holder(taskId: string, attempt: number): Promise<string | null>;
  lostWhy(nodeId: string, since: number, now: number): string | null;
}

/** How old a dispatch must be before it is verified, and how often verification runs. */
export const VERIFY_EVERY_MS = 30_000;
