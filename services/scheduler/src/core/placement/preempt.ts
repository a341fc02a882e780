/**
 * Which running attempts to stop to make room for a pending one (Nomad's and Slurm's
 * preemption): only preemptible ones of lower priority, not already being stopped (nor `taken`
 * by an earlier choice of the same round); on each
 * node the most recently started go first, as few as make room; across nodes, the fewest
 * victims win, then the most recently started set, then the node id. Pure.
 */
import { freeOn, fitsFree, plus, type Free } from "./fit.js";
import type { NodeCapacity, PendingAttempt, RunningAttempt } from "./types.js";

export interface VictimChoice {
  nodeId: string;
  victims: RunningAttempt[];
}

export function chooseVictims(
  p: PendingAttempt,
  nodes: readonly NodeCapacity[],
  held: ReadonlyMap<string, RunningAttempt[]>,
  taken: ReadonlySet<RunningAttempt> = new Set(),
): VictimChoice | null {
  let best: (VictimChoice & { oldest: number }) | null = null;
  for (const node of nodes) {
    const onNode = held.get(node.id) ?? [];
    const candidates = onNode
      .filter((r) => r.preemptible && r.priority < p.priority && r.preemptedFor === undefined && !taken.has(r))
      .sort((a, b) => b.startTime - a.startTime || a.taskId.localeCompare(b.taskId));
    let free: Free = freeOn(node, onNode);
    const victims: RunningAttempt[] = [];
    for (const v of candidates) {
      if (fitsFree(free, p.resources)) break;
      victims.push(v);
      free = plus(free, v.resources, v.gpuIds, node.gpuIds);
    }
    if (victims.length === 0 || !fitsFree(free, p.resources)) continue;
    const oldest = Math.min(...victims.map((v) => v.startTime));
    const better =
      !best ||
      victims.length < best.victims.length ||
      (victims.length === best.victims.length && (oldest > best.oldest || (oldest === best.oldest && node.id < best.nodeId)));
    if (better) best = { nodeId: node.id, victims, oldest };
  }
  return best && { nodeId: best.nodeId, victims: best.victims };
}
