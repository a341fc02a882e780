/**
 * Lease reconciliation: which running attempts sit on nodes that stopped heartbeating? Pure:
 * a snapshot of tasks and node liveness, and the time, in; decisions out. Any scheduler replica
 * may run it; compare-and-set on the task record decides who applies each decision.
 *
 * A node is lost when lastSeen + leaseMs < now. A node with no heartbeat at all (never seen, or
 * its record expired) gets `defaultLeaseMs` from the moment the attempt was claimed.
 */
import { currentAttempt, isFinal, type LeaseLapse, type TaskRecord } from "@trainyard/common";

export interface NodeLiveness {
  /** When the node's last heartbeat was stored (NATS server clock, epoch ms). */
  lastSeen: number;
  leaseMs: number;
}

export interface LostAttempt {
  taskId: string;
  attempt: number;
  nodeId: string;
  lapse: LeaseLapse;
}

export function lostAttempts(
  tasks: Iterable<TaskRecord>,
  nodes: ReadonlyMap<string, NodeLiveness>,
  now: number,
  defaultLeaseMs: number,
): LostAttempt[] {
  const lost: LostAttempt[] = [];
  for (const t of tasks) {
    if (isFinal(t.state)) continue;
    // Claimed (preparing, or running): the node holds it.
    const a = currentAttempt(t);
    if (!a.nodeId) continue;
    const lapse = nodeLost(a.nodeId, nodes.get(a.nodeId), a.claimTime ?? a.startTime ?? now, now, defaultLeaseMs);
    if (lapse) lost.push({ taskId: t.id, attempt: a.number, nodeId: a.nodeId, lapse });
  }
  return lost;
}

/** Why `nodeId` counts as lost at `now`, or null while its lease holds. */
export function nodeLost(nodeId: string, n: NodeLiveness | undefined, since: number, now: number, defaultLeaseMs: number): LeaseLapse | null {
  const lastSeen = n?.lastSeen ?? since;
  const lease = n?.leaseMs ?? defaultLeaseMs;
  if (lastSeen + lease >= now) return null;
  return n ? { kind: "silent", nodeId, silentMs: now - lastSeen } : { kind: "never-heartbeated", nodeId };
}
