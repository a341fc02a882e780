import type { Logger } from "pino";
import { currentAttempt, type LeaseLapse, type TaskRecord } from "@trainyard/common";
import { dispatchDue, dispatchToVerify } from "../core/dispatch.js";
import type { Applier } from "../store/applier.js";
import type { TaskView } from "../store/task-view.js";
import type { Dispatcher } from "./dispatcher.js";

export interface DispatchLoopOptions {
  view: TaskView;
  applier: Applier;
  dispatcher: Dispatcher;
  /** Who claimed an attempt (null: nobody). */
  claimHolder: (taskId: string, attempt: number) => Promise<string | null>;
  /** Why `nodeId` counts as lost at `now` (its lease measured from `since` if it never heartbeated), or null. */
  nodeLost: (nodeId: string, since: number, now: number) => LeaseLapse | null;
  clock: () => number;
  logger: Logger;
  /** How old a dispatch must be before it is verified, and how often verification runs. */
  verifyEveryMs?: number;
}

/**
 * Publishes the dispatch message of every placed PENDING attempt (to its node) whose retry delay has passed, then
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

  private readonly view: TaskView;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly verifyEveryMs: number;

  constructor(private readonly o: DispatchLoopOptions) {
    this.view = o.view;
    this.clock = o.clock;
    this.logger = o.logger;
    this.verifyEveryMs = o.verifyEveryMs ?? VERIFY_EVERY_MS;
  }

  start(): void {
    for (const t of this.view.active()) this.track(t);
    const unsubscribe = [
      this.view.onChange((t) => {
        this.track(t);
        this.wake();
      }),
      this.view.onRemove((id) => this.pending.delete(id)),
    ];
    this.unsubscribe = () => unsubscribe.forEach((u) => u());
    this.wake();
    this.verifier = setInterval(() => void this.verify(), this.verifyEveryMs);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    clearInterval(this.verifier);
  }

  /** Only placed attempts are dispatched or verified: a backlog waiting for placement costs nothing here. */
  private track(t: TaskRecord): void {
    if (t.state === "PENDING" && currentAttempt(t).placedOn !== undefined) this.pending.add(t.id);
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
      const cur = currentAttempt(t);
      const seq = await this.o.dispatcher.publish(cur.placedOn!, { taskId: t.id, attempt }, cur.dispatches ?? 0);
      await this.o.applier.apply(t.id, { type: "dispatched", taskId: t.id, attempt, nodeId: cur.placedOn!, placeTime: cur.placeTime ?? 0, seq, time: this.clock() });
      this.logger.debug({ task: t.id, attempt, node: cur.placedOn }, "dispatched");
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
        if (await this.o.dispatcher.stillQueued(seq)) continue;
        const cur = currentAttempt(t);
        const attempt = cur.number;
        const holder = await this.o.claimHolder(id, attempt);
        const lapse = holder === null ? null : this.o.nodeLost(holder, cur.dispatchTime ?? now, this.clock());
        if (holder !== null && lapse === null) continue; // claimed by a live agent: its report will come
        const input =
          holder === null
            ? ({ type: "dispatch-lost", taskId: id, attempt, seq, time: this.clock() } as const)
            : ({ type: "node-lost", taskId: id, attempt, nodeId: holder, lapse: lapse!, time: this.clock() } as const);
        await this.o.applier.apply(id, input);
        this.logger.warn({ task: id, attempt, seq, ...(holder !== null && { node: holder }) }, "dispatch taken but the attempt is not running; recovering it");
      } catch (err) {
        this.logger.warn({ task: id, attempt: currentAttempt(t).number, err }, "could not verify a dispatch");
      }
    }
  }
}

/** How old a dispatch must be before it is verified, and how often verification runs. */
export const VERIFY_EVERY_MS = 30_000;
