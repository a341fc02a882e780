/**
 * "Nth in line" for a pending task waiting for room, worked out when the task is read (never
 * stored: a position changes with every placement, and writing it would cost a record update
 * per waiting task per change). Each replica ranks the unplaced PENDING tasks of a pool in its
 * own view (not those still waiting for their dependencies) by priority, then age, then id (the placer may still let a namespace under its fair
 * share go first among equal priorities). Ranked at most once per `minAgeMs` while the view
 * changes, and only when someone reads a waiting task.
 */
import { currentAttempt, priorityOf, type TaskRecord } from "@trainyard/common";
import { ordinal, ROOM_PREFIX } from "../core/placement/reasons.js";
import { waitsForDependencies } from "../core/placement/snapshot.js";
import type { TaskView } from "./task-view.js";

export class QueuePositions {
  private ranks = new Map<string, number>();
  private rankedAt = -Infinity;
  private dirty = true;

  constructor(
    private readonly view: TaskView,
    private readonly clock: () => number,
    private readonly minAgeMs = 1_000,
  ) {
    view.onChange(() => (this.dirty = true));
  }

  /** The task as a reader sees it: "waiting for room in pool "x"" gets its place in line. */
  shown(t: TaskRecord): TaskRecord {
    if (t.state !== "PENDING" || !t.message.startsWith(ROOM_PREFIX)) return t;
    if (this.dirty && this.clock() - this.rankedAt >= this.minAgeMs) this.rank();
    const n = this.ranks.get(t.id);
    return n === undefined ? t : { ...t, message: `${t.message} (${ordinal(n)} in line)` };
  }

  private rank(): void {
    this.dirty = false;
    this.rankedAt = this.clock();
    const pools = new Map<string, TaskRecord[]>();
    for (const t of this.view.active()) {
      if (t.state !== "PENDING" || currentAttempt(t).placedOn !== undefined || waitsForDependencies(t)) continue;
      const q = pools.get(t.spec.pool) ?? [];
      pools.set(t.spec.pool, q);
      q.push(t);
    }
    this.ranks = new Map();
    for (const q of pools.values()) {
      q.sort((a, b) => priorityOf(b.spec) - priorityOf(a.spec) || a.createTime - b.createTime || (a.id < b.id ? -1 : 1));
      q.forEach((t, i) => this.ranks.set(t.id, i + 1));
    }
  }
}
