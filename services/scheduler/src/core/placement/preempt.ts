/**
 * Which running attempts to stop to make room for a pending one (Nomad's and Slurm's
 * preemption): only preemptible ones of lower priority, not already being stopped (nor `taken`
 * by an earlier choice of the same round). On each node, counting from what is free now
 * (`free`: this round's placements included), the most recently started that free something
 * still missing go first, then any not needed once there is room are spared; across nodes, the
 * fewest victims win, then the most recently started set, then the node id. Pure.
 */
import { fitsFree, plus, type Free } from "./fit.js";
import type { NodeCapacity, PendingAttempt, RunningAttempt } from "./types.js";

export interface VictimChoice {
  nodeId: string;
  victims: RunningAttempt[];
}

export function chooseVictims(
  p: PendingAttempt,
  nodes: readonly NodeCapacity[],
  held: ReadonlyMap<string, RunningAttempt[]>,
  taken: ReadonlySet<RunningAttempt>,
  freeNow: ReadonlyMap<string, Free>,
): VictimChoice | null {
  let best: (VictimChoice & { oldest: number }) | null = null;
  for (const node of nodes) {
    const candidates = (held.get(node.id) ?? [])
      .filter((r) => r.preemptible && r.priority < p.priority && r.preemptedFor === undefined && !taken.has(r))
      .sort((a, b) => b.startTime - a.startTime || a.taskId.localeCompare(b.taskId));
    const start = freeNow.get(node.id);
    if (!start) continue;
    const freed = (vs: RunningAttempt[]) => vs.reduce((f, v) => plus(f, v.resources, v.gpuIds, node.gpuIds), start);
    let victims: RunningAttempt[] = [];
    for (const v of candidates) {
      const free = freed(victims);
      if (fitsFree(free, p.resources)) break;
      if (helps(free, v, p)) victims.push(v);
    }
    if (victims.length === 0 || !fitsFree(freed(victims), p.resources)) continue;
    // Spare those not needed after all (an early one freeing only what a later one freed too).
    for (const v of [...victims]) {
      const without = victims.filter((x) => x !== v);
      if (fitsFree(freed(without), p.resources)) victims = without;
    }
    const oldest = Math.min(...victims.map((v) => v.startTime));
    const better =
      !best ||
      victims.length < best.victims.length ||
      (victims.length === best.victims.length && (oldest > best.oldest || (oldest === best.oldest && node.id < best.nodeId)));
    if (better) best = { nodeId: node.id, victims, oldest };
  }
  return best && { nodeId: best.nodeId, victims: best.victims };
}

/** Does stopping `v` free something `p` still lacks on a node with `free`? */
function helps(free: Free, v: RunningAttempt, p: PendingAttempt): boolean {
  const r = p.resources;
  return (
    free.slots < 1 ||
    (free.cpus < r.cpus && v.resources.cpus > 0) ||
    (free.memoryBytes < r.memoryBytes && v.resources.memoryBytes > 0) ||
    (free.gpuIds.length < r.gpus && v.gpuIds.length > 0)
  );
}
