/**
 * The order pending attempts are considered in: priority (higher first); at equal priority the
 * namespace using the least of its share goes first (dominant-resource fairness: a namespace's
 * share is its largest fraction of the cluster's slots, CPUs, memory or GPUs, as Kueue and
 * Slurm's fair share do), re-judged after every placement; then age, then id. Pure.
 */
import type { PendingAttempt, Resources } from "./types.js";

export interface Usage {
  slots: number;
  cpus: number;
  memoryBytes: number;
  gpus: number;
}

export const NO_USAGE: Usage = { slots: 0, cpus: 0, memoryBytes: 0, gpus: 0 };

export function addUsage(u: Usage, r: Resources): Usage {
  return { slots: u.slots + 1, cpus: u.cpus + r.cpus, memoryBytes: u.memoryBytes + r.memoryBytes, gpus: u.gpus + r.gpus };
}

/** Largest fraction of `total` that `u` uses (resources the cluster does not account, total 0 or Infinity, are left out). */
export function dominantShare(u: Usage, total: Usage): number {
  const parts = (["slots", "cpus", "memoryBytes", "gpus"] as const).filter((k) => total[k] > 0 && Number.isFinite(total[k])).map((k) => u[k] / total[k]);
  return Math.max(0, ...parts);
}

const byAge = (a: PendingAttempt, b: PendingAttempt) => a.queuedAt - b.queuedAt || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0);

/**
 * Yields pending attempts in order. `usageOf(ns)` is read at each step, so placements made
 * between steps count (the caller replaces, never mutates, the object it returns).
 */
export function* fairOrder(pending: readonly PendingAttempt[], usageOf: (ns: string) => Usage, total: Usage): Generator<PendingAttempt> {
  const levels = new Map<number, Map<string, PendingAttempt[]>>();
  for (const p of pending) {
    const level = levels.get(p.priority) ?? new Map<string, PendingAttempt[]>();
    levels.set(p.priority, level);
    const q = level.get(p.namespace) ?? [];
    level.set(p.namespace, q);
    q.push(p);
  }
  // Usage objects are replaced, never changed, when a namespace's usage grows: a share is computed once per object.
  const shares = new WeakMap<Usage, number>();
  const shareOf = (ns: string) => {
    const u = usageOf(ns);
    let share = shares.get(u);
    if (share === undefined) shares.set(u, (share = dominantShare(u, total)));
    return share;
  };
  for (const priority of [...levels.keys()].sort((a, b) => b - a)) {
    const queues = [...levels.get(priority)!.values()].map((q) => ({ q: q.sort(byAge), next: 0 }));
    for (;;) {
      let pick: (typeof queues)[number] | undefined;
      let pickShare = Infinity;
      for (const c of queues) {
        if (c.next >= c.q.length) continue;
        const share = shareOf(c.q[0]!.namespace);
        if (!pick || share < pickShare || (share === pickShare && byAge(c.q[c.next]!, pick.q[pick.next]!) < 0)) {
          pick = c;
          pickShare = share;
        }
      }
      if (!pick) break;
      yield pick.q[pick.next++]!;
    }
  }
}
