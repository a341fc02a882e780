/**
 * The placer (decision 0006): while this replica holds the placer lease, it decides which
 * pending attempt runs on which node (core/placement/place.ts) and writes the decision through
 * the applier; the dispatch loop then publishes each placement to its node.
 *
 * A round runs when something changes, never on a timer over the backlog: a task record that
 * is or was PENDING or RUNNING, a heartbeat whose capacity, drain or running set changed, a
 * node turning lost (checked every second, O(nodes)), a drain, a quota reload, the lease taken,
 * or the next retry delay or drain deadline coming due. Rounds are debounced and never overlap.
 * With nothing changing it does nothing.
 *
 * Each round applies, in order: placed attempts whose node was lost go back to the queue;
 * placements (node, devices, epoch); preemptions (a stop request, and the room reserved for the
 * task it is for); stops of attempts on nodes whose drain deadline passed. Wait reasons become
 * task messages in the background, only when their words change ("Nth in line" is added when a
 * task is read, not stored).
 *
 * A backlog that only grows costs what is new, not what waits: when the last full round changed
 * nothing (placed, preempted, took back nothing) and since then tasks have only arrived, a round
 * looks at the arrivals alone, against the last full round's running attempts. place() on that
 * small snapshot decides exactly what a full round would for them when it examines none of them
 * (no slot is free, and none outranks a preemptible attempt): then each just waits, and says
 * why. Otherwise, and after any other change, the round is a full one.
 */
import type { Logger } from "pino";
import { currentAttempt, type LeaseLapse, type TaskRecord } from "@trainyard/common";
import { place } from "../core/placement/place.js";
import { waitText } from "../core/placement/reasons.js";
import { drainStops, nextDrainDeadline } from "../core/placement/drain.js";
import { buildSnapshot, waitsForDependencies, type NodeState } from "../core/placement/snapshot.js";
import type { Decision, PendingAttempt, Quota, RunningAttempt } from "../core/placement/types.js";
import type { Input } from "../core/transition.js";
import type { Applier } from "../store/applier.js";
import type { TaskView } from "../store/task-view.js";
import type { LeaseHolding } from "./placer-lease.js";

export interface PlacerOptions {
  view: TaskView;
  /** The lease's holding now (null: another replica places). */
  held: () => LeaseHolding | null;
  /** Every known node with its liveness and drain, now. */
  nodes: (now: number) => NodeState[];
  quotas: () => Record<string, Quota>;
  applier: Applier;
  clock: () => number;
  logger: Logger;
  debounceMs?: number;
  /** Wait after taking the lease before placing (default SETTLE_MS). */
  settleMs?: number;
  /** The node the claims bucket names for an attempt (null: nobody claimed it). */
  claimHolder?: (taskId: string, attempt: number) => Promise<string | null>;
}

/** How often lost nodes and the lease are looked at between changes. */
const CHECK_EVERY_MS = 1_000;
/** How long a replica that just took the lease waits before its first round. */
const SETTLE_MS = 500;
/** Wait-reason messages written at once. */
const MESSAGE_WRITERS = 4;
/** A round's placements (and unplacements) written at once. */
const WRITES_AT_ONCE = 32;

export class Placer {
  /** Tasks that hold or want room: PENDING or RUNNING. */
  private readonly active = new Map<string, TaskRecord>();
  private scheduled?: NodeJS.Timeout;
  private due?: NodeJS.Timeout;
  private checker?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;
  private unsubscribe?: () => void;
  private lastNodes = "";
  private lastHeld = false;
  /** The lease epoch of the last round (a new one waits SETTLE_MS first). */
  private epoch?: number;
  /** Wait messages not yet written (task → its words), newest words only. */
  private readonly messages = new Map<string, { attempt: number; text: string }>();
  private writers = 0;
  /** Tasks that arrived PENDING since the last round, while nothing else changed (needFull false). */
  private readonly arrived = new Map<string, TaskRecord>();
  private needFull = true;
  /** The running attempts of the last full round, when it changed nothing: arrivals alone are placed against them. */
  private quiet?: RunningAttempt[];
  /** Rounds run (of them, rounds over arrivals alone), attempts placed, preempted: for metrics and tests. */
  readonly stats = { rounds: 0, arrivalRounds: 0, placed: 0, preempted: 0, lastRoundMs: 0 };

  constructor(private readonly o: PlacerOptions) {}

  start(): void {
    for (const t of this.o.view.active()) this.track(t);
    const unsubscribe = [
      this.o.view.onChange((t) => {
        const change = this.track(t);
        if (change === "arrived") this.arrived.set(t.id, t);
        if (change) this.wake(change !== "arrived");
      }),
      this.o.view.onRemove((id) => {
        if (this.active.delete(id)) this.wake();
      }),
    ];
    this.unsubscribe = () => unsubscribe.forEach((u) => u());
    this.checker = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.check();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.scheduled);
    clearTimeout(this.due);
    clearInterval(this.checker);
  }

  /**
   * Something outside the task view changed (a heartbeat, a drain, a quota reload): place again
   * soon. `full` false: only tasks arrived (a round over them may do), or only to run again.
   */
  wake(full = true): void {
    if (full) this.needFull = true;
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    // Never more than half of the event loop: wait at least as long as the last round took.
    this.scheduled ??= setTimeout(() => {
      this.scheduled = undefined;
      void this.round();
    }, Math.max(this.o.debounceMs ?? 25, this.stats.lastRoundMs));
  }

  /** Nodes' placement state or the lease changed since the last look? Then place again. */
  private check(): void {
    const held = this.o.held() !== null;
    const nodes = nodesKey(this.o.nodes(this.o.clock()));
    if (held !== this.lastHeld || nodes !== this.lastNodes) {
      this.lastHeld = held;
      this.lastNodes = nodes;
      this.wake();
    }
  }

  /**
   * Keeps `active` in line with the record; says whether what placement reads of it changed
   * (not its message, history or a pull's progress: the placer's own wait messages wake
   * nothing), and "arrived" for a task new to the placer waiting for its first placement.
   */
  private track(t: TaskRecord): "arrived" | boolean {
    const before = this.active.get(t.id);
    if (t.state === "PENDING" || t.state === "RUNNING") this.active.set(t.id, t);
    else this.active.delete(t.id);
    if (!before) return this.active.has(t.id) && !waitsForDependencies(t) && (isArrival(t) ? "arrived" : true);
    if (!this.active.has(t.id) || placementKey(before) !== placementKey(t)) return true;
    if (this.arrived.has(t.id)) this.arrived.set(t.id, t);
    return false;
  }

  private async round(): Promise<void> {
    const holding = this.o.held();
    if (!holding || this.stopped) return;
    if (holding.epoch !== this.epoch) {
      // Just took the lease: give this replica's views a moment to take in the last writes of
      // the placer before (they come by KV watch); the agent's device check covers the rest.
      this.epoch = holding.epoch;
      setTimeout(() => this.wake(), this.o.settleMs ?? SETTLE_MS).unref();
      return;
    }
    this.running = true;
    const started = performance.now();
    let failed = false;
    const arrivals = this.needFull ? undefined : [...this.arrived.values()];
    this.needFull = false;
    this.arrived.clear();
    try {
      const now = this.o.clock();
      const nodes = this.o.nodes(now);
      if (arrivals && this.quiet && this.arrivalsOnly(arrivals, nodes, now, this.quiet)) return;
      this.quiet = undefined;
      const built = buildSnapshot(this.active.values(), nodes, this.o.quotas(), now);
      const d = place(built.snapshot);
      const drains = drainStops(this.active.values(), nodes, now);
      if (!built.unplace.length && !d.place.length && !d.preempt.length && !drains.length) this.quiet = built.snapshot.running;
      const apply = async (taskId: string, input: Input) => {
        // A lease lost during the round (not renewed in time) ends it: the next placer decides anew.
        if (this.o.held()?.epoch !== holding.epoch) return false;
        try {
          await this.o.applier.apply(taskId, input, now);
          return true;
        } catch (err) {
          failed = true;
          this.o.logger.warn({ task: taskId, err: String(err), input: input.type }, "placement not applied; trying again");
          return false;
        }
      };
      // Each is one task's compare-and-set: different tasks, so written WRITES_AT_ONCE at a time.
      await atOnce(built.unplace, WRITES_AT_ONCE, async (u) => {
        // Claimed by its node after all (killed before its claim reached the record): that node
        // holds the attempt, so a lost node loses it (NODE_LOST, retried) and a drained one runs it.
        const holder = await this.o.claimHolder?.(u.taskId, u.attempt);
        if (!holder) return apply(u.taskId, { type: "unplaced", taskId: u.taskId, attempt: u.attempt, nodeId: u.nodeId, why: u.why, time: now });
        const node = nodes.find((n) => n.record.id === holder);
        if (node && !node.lost) return false;
        const lapse: LeaseLapse = node?.lastSeen !== undefined ? { kind: "silent", nodeId: holder, silentMs: Math.max(0, now - node.lastSeen) } : { kind: "never-heartbeated", nodeId: holder };
        return apply(u.taskId, { type: "node-lost", taskId: u.taskId, attempt: u.attempt, nodeId: holder, lapse, time: now });
      });
      await atOnce(d.place, WRITES_AT_ONCE, async (p) => {
        const ok = await apply(p.taskId, { type: "placed", ...p, epoch: holding.epoch, time: now });
        if (ok) this.stats.placed++;
        if (ok) this.o.logger.info({ task: p.taskId, attempt: p.attempt, node: p.nodeId, gpus: p.gpuIds, epoch: holding.epoch }, "placed");
      });
      for (const v of d.preempt) {
        const ok = await apply(v.taskId, { type: "stop", taskId: v.taskId, attempt: v.attempt, nodeId: v.nodeId, stop: { kind: "preempted", forTaskId: v.forTaskId }, time: now });
        const beneficiary = this.active.get(v.forTaskId);
        if (beneficiary) await apply(v.forTaskId, { type: "reserved", taskId: v.forTaskId, attempt: currentAttempt(beneficiary).number, nodeId: v.nodeId, time: now });
        if (ok) this.stats.preempted++;
        if (ok) this.o.logger.info({ task: v.taskId, attempt: v.attempt, node: v.nodeId, for: v.forTaskId }, "preempting");
      }
      for (const s of drains) {
        await apply(s.taskId, { type: "stop", taskId: s.taskId, attempt: s.attempt, nodeId: s.nodeId, stop: { kind: "drain" }, time: now });
      }
      this.queueMessages(built.snapshot.pending, d);
      this.scheduleDue(now, built.nextDue, nextDrainDeadline(nodes, now));
    } catch (err) {
      failed = true;
      this.o.logger.error({ err }, "placement round failed; trying again");
    } finally {
      this.stats.rounds++;
      this.stats.lastRoundMs = performance.now() - started;
      this.running = false;
      if (this.again || failed) {
        this.again = false;
        if (failed) {
          this.needFull = true;
          setTimeout(() => this.wake(), CHECK_EVERY_MS).unref();
        }
        else this.wake(false);
      }
    }
  }

  /**
   * A round over the tasks that arrived since a full round that changed nothing: true when none
   * of them could be placed or preempt (each waits, as in a full round), false when a full round
   * must decide.
   */
  private arrivalsOnly(arrivals: TaskRecord[], nodes: NodeState[], now: number, running: RunningAttempt[]): boolean {
    const current = arrivals.map((t) => this.active.get(t.id)).filter((t): t is TaskRecord => t !== undefined);
    const built = buildSnapshot(current, nodes, this.o.quotas(), now);
    if (built.unplace.length || built.nextDue !== undefined || built.snapshot.running.length || built.snapshot.pending.length !== current.length) return false;
    const d = place({ ...built.snapshot, running });
    if (d.place.length || d.preempt.length || d.unexamined !== current.length) return false;
    this.stats.arrivalRounds++;
    this.queueMessages(built.snapshot.pending, d);
    return true;
  }

  /** Wakes at the earliest of `times` (a retry delay's end, a drain deadline), if any. */
  private scheduleDue(now: number, ...times: (number | undefined)[]): void {
    const next = Math.min(...times.map((t) => t ?? Infinity));
    clearTimeout(this.due);
    if (Number.isFinite(next)) this.due = setTimeout(() => this.wake(), Math.max(0, next - now) + 5);
  }

  /** Every pending attempt not placed says why it waits; one the round did not examine waits for room. */
  private queueMessages(pending: readonly PendingAttempt[], d: Decision): void {
    const placed = new Set(d.place.map((p) => p.taskId));
    const room = new Map<string, string>();
    // The place in line is added when the task is read (store/queue-positions.ts).
    const roomText = (pool: string) => room.get(pool) ?? room.set(pool, waitText({ kind: "room", pool, position: 0 })).get(pool)!;
    for (const p of pending) {
      const t = this.active.get(p.taskId);
      if (!t || placed.has(p.taskId)) continue;
      const why = d.waiting.get(p.taskId);
      const text = !why || why.kind === "room" ? roomText(p.pool) : waitText(why);
      if (t.message !== text) this.messages.set(p.taskId, { attempt: currentAttempt(t).number, text });
    }
    while (this.writers < MESSAGE_WRITERS && this.messages.size > 0) void this.writeMessages();
  }

  private async writeMessages(): Promise<void> {
    this.writers++;
    try {
      for (const [taskId, m] of this.messages) {
        this.messages.delete(taskId);
        if (this.stopped) return;
        await this.o.applier
          .apply(taskId, { type: "waiting", taskId, attempt: m.attempt, text: m.text, time: this.o.clock() })
          .catch((err: unknown) => this.o.logger.debug({ task: taskId, err: String(err) }, "wait message not written"));
      }
    } finally {
      this.writers--;
    }
  }
}

/** A task waiting for its first placement, due now or soon: what Submit makes. */
function isArrival(t: TaskRecord): boolean {
  const a = currentAttempt(t);
  return t.state === "PENDING" && a.state === "PENDING" && a.number === 1 && a.placedOn === undefined && a.nodeId === undefined && a.reservedOn === undefined && !t.cancel && !t.stop;
}

/** Runs `fn` over `items`, at most `limit` at once; resolves when all have. */
async function atOnce<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** What of a task record placement reads. */
function placementKey(t: TaskRecord): string {
  const a = currentAttempt(t);
  return JSON.stringify([t.state, a.number, a.state, a.notBefore, a.placedOn, a.nodeId, a.gpuIds, a.reservedOn, t.stop, t.cancel !== undefined, t.spec.priority, t.depsMet]);
}

/** What of the nodes matters to placement (not the heartbeat's time). */
function nodesKey(nodes: NodeState[]): string {
  return JSON.stringify(
    nodes
      .map((n) => {
        const { heartbeatTime: _h, ...r } = n.record;
        return [r, n.lost, n.drain ?? null];
      })
      .sort((a, b) => ((a[0] as { id: string }).id < (b[0] as { id: string }).id ? -1 : 1)),
  );
}
