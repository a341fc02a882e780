/**
 * Dependencies (TaskSpec.depends_on), on the replica holding the placer lease: a waiting task
 * is released (depsMet, then placed like any other) once every condition holds, or ends
 * CANCELLED with DEPENDENCY_FAILED once one never can (core/dependencies.ts); its own
 * dependents then follow, down the chain.
 *
 * Level-triggered: what it does follows from the records alone, never from having seen a
 * parent's change. Every waiting task is judged when this replica takes the lease (a scheduler
 * killed between a parent's end and its child's start: the next holder starts the child), when
 * it arrives, when one of its parents changes, and every SWEEP_MS besides. Another replica
 * doing the same at the same moment does no harm: both inputs apply once (compare-and-set).
 */
import type { Logger } from "pino";
import { isFinal, type TaskRecord } from "@trainyard/common";
import { judge, waitingText } from "../core/dependencies.js";
import { waitsForDependencies } from "../core/placement/snapshot.js";
import type { Applier } from "../store/applier.js";
import type { TaskView } from "../store/task-view.js";

export interface DependencyLoopOptions {
  view: TaskView;
  applier: Applier;
  /** May this replica act now (it holds the placer lease)? */
  active: () => boolean;
  clock: () => number;
  logger: Logger;
  /** How often every waiting task is judged again, besides on changes. */
  sweepMs?: number;
}

const SWEEP_MS = 10_000;

export class DependencyLoop {
  /** Waiting tasks by id; their parents → them. */
  private readonly waiting = new Map<string, TaskRecord>();
  private readonly children = new Map<string, Set<string>>();
  /** Tasks to judge on the next turn. */
  private readonly due = new Set<string>();
  private scheduled = false;
  private wasActive = false;
  private sweptAt = 0;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(private readonly o: DependencyLoopOptions) {}

  start(): void {
    for (const t of this.o.view.active()) this.track(t);
    const off = [this.o.view.onChange((t) => this.track(t)), this.o.view.onRemove((id) => this.removed(id))];
    this.unsubscribe = () => off.forEach((u) => u());
    this.timer = setInterval(() => this.check(), Math.min(1_000, this.o.sweepMs ?? SWEEP_MS));
    this.check();
  }

  stop(): void {
    this.unsubscribe?.();
    clearInterval(this.timer);
  }

  /** On taking the lease, and every sweep: judge every waiting task. */
  private check(): void {
    const active = this.o.active();
    const now = this.o.clock();
    if (active && (!this.wasActive || now - this.sweptAt >= (this.o.sweepMs ?? SWEEP_MS))) {
      this.sweptAt = now;
      for (const id of this.waiting.keys()) this.due.add(id);
      this.turn();
    }
    this.wasActive = active;
  }

  private track(t: TaskRecord): void {
    if (t.state === "PENDING" && waitsForDependencies(t)) {
      if (!this.waiting.has(t.id)) {
        for (const d of t.spec.dependsOn!) this.children.set(d.taskId, (this.children.get(d.taskId) ?? new Set()).add(t.id));
        this.due.add(t.id);
      }
      this.waiting.set(t.id, t);
    } else if (this.waiting.has(t.id)) {
      this.forget(t.id);
    }
    // A parent that ended: its waiting children are judged now.
    if (isFinal(t.state)) for (const child of this.children.get(t.id) ?? []) this.due.add(child);
    if (this.due.size) this.turn();
  }

  private removed(id: string): void {
    if (this.waiting.has(id)) this.forget(id);
    for (const child of this.children.get(id) ?? []) this.due.add(child);
    if (this.due.size) this.turn();
  }

  private forget(id: string): void {
    const t = this.waiting.get(id)!;
    this.waiting.delete(id);
    for (const d of t.spec.dependsOn ?? []) {
      const set = this.children.get(d.taskId);
      set?.delete(id);
      if (set && !set.size) this.children.delete(d.taskId);
    }
  }

  /** Judges the due tasks soon (changes come in bursts: one turn for them). */
  private turn(): void {
    if (this.scheduled || !this.o.active()) return;
    this.scheduled = true;
    setImmediate(() => void this.judgeDue().finally(() => (this.scheduled = false)));
  }

  private async judgeDue(): Promise<void> {
    const ids = [...this.due];
    this.due.clear();
    for (const id of ids) {
      const t = this.waiting.get(id);
      if (!t || !this.o.active()) continue;
      const j = judge(t.spec.dependsOn!, (parent) => this.o.view.summary(parent)?.state);
      const time = this.o.clock();
      try {
        if (j.kind === "met") {
          await this.o.applier.apply(id, { type: "deps-met", taskId: id, time }, time);
          this.o.logger.info({ task: id }, "dependencies met");
        } else if (j.kind === "never") {
          await this.o.applier.apply(id, { type: "dependency-failed", taskId: id, why: j.why, time }, time);
          this.o.logger.info({ task: id, why: j.why }, "dependency failed: task cancelled");
        } else {
          const text = waitingText(j.on);
          if (t.message !== text) await this.o.applier.apply(id, { type: "waiting", taskId: id, attempt: 1, text, time }, time);
        }
      } catch (err) {
        this.o.logger.warn({ task: id, err: String(err) }, "dependencies not judged; trying again next sweep");
      }
    }
  }
}
