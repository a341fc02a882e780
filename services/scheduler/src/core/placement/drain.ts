/** What a drain through the scheduler (DrainNode) asks of the placer once its deadline passes. Pure. */
import { currentAttempt, type TaskRecord } from "@trainyard/common";
import type { NodeState } from "./snapshot.js";

/** Running attempts on nodes whose drain deadline has passed (and that nothing stops yet). */
export function drainStops(tasks: Iterable<TaskRecord>, nodes: NodeState[], now: number): { taskId: string; attempt: number; nodeId: string }[] {
  const past = new Set(nodes.filter((n) => n.drain?.deadline !== undefined && n.drain.deadline <= now).map((n) => n.record.id));
  if (past.size === 0) return [];
  const out = [];
  for (const t of tasks) {
    const a = currentAttempt(t);
    if (t.state === "RUNNING" && a.nodeId !== undefined && past.has(a.nodeId) && !t.stop && !t.cancel) out.push({ taskId: t.id, attempt: a.number, nodeId: a.nodeId });
  }
  return out;
}

/** The earliest drain deadline still to come, if any. */
export function nextDrainDeadline(nodes: NodeState[], now: number): number | undefined {
  const ds = nodes.map((n) => n.drain?.deadline).filter((d): d is number => d !== undefined && d > now);
  return ds.length ? Math.min(...ds) : undefined;
}
