/**
 * What the placer sees, built from a replica's task and node views: the input of place(). Pure.
 *
 * - A RUNNING attempt holds its node's room and devices until it ends (being cancelled or
 *   stopped included); it may be preempted only while nothing stops it yet.
 * - A PENDING attempt already placed on a node (not yet claimed) holds that room too, and is
 *   never a victim; when its node is lost, gone from the view, drained or draining it is taken
 *   back (`unplace`): it runs elsewhere rather than wait there (a claim racing with that wins,
 *   and the claim's node and devices become the attempt's).
 * - A PENDING attempt not placed yet is pending once its retry delay has passed (`nextDue` says
 *   when the next one comes due) and its dependencies held (`depsMet`); before, it is nowhere.
 */
import { currentAttempt, gpuDevicesOf, namespaceOf, priorityOf, type DrainRecord, type NodeRecord, type TaskRecord } from "@trainyard/common";
import type { NetworkMode, NodeCapacity, PendingAttempt, Quota, RunningAttempt, Snapshot } from "./types.js";

export interface NodeState {
  record: NodeRecord;
  /** Its lease lapsed. */
  lost: boolean;
  /** Drained through the scheduler (DrainNode). */
  drain?: DrainRecord;
  /** When its last heartbeat was stored (NATS server clock). */
  lastSeen?: number;
}

export interface Built {
  snapshot: Snapshot;
  /** Placed, unclaimed attempts whose node can no longer take them: to go back to the queue. */
  unplace: { taskId: string; attempt: number; nodeId: string; why: string }[];
  /** When the earliest attempt still in its retry delay comes due. */
  nextDue?: number;
}

export function buildSnapshot(tasks: Iterable<TaskRecord>, nodes: Iterable<NodeState>, quotas: Record<string, Quota>, now: number): Built {
  const nodeList = [...nodes].map(capacityOfNode);
  const byId = new Map(nodeList.map((n) => [n.id, n]));
  /** Why a node takes nothing placed on it any more, or null. */
  const closed = (id: string): string | null => {
    const n = byId.get(id);
    if (!n) return `node ${id} is gone`;
    if (n.lost) return `node ${id} lost`;
    return n.schedulable ? null : `node ${id} drained`;
  };
  const running: RunningAttempt[] = [];
  const pending: PendingAttempt[] = [];
  const unplace: Built["unplace"] = [];
  let nextDue: number | undefined;
  for (const t of tasks) {
    const a = currentAttempt(t);
    const held = (nodeId: string, preemptible: boolean): RunningAttempt => ({
      taskId: t.id,
      attempt: a.number,
      nodeId,
      namespace: namespaceOf(t),
      priority: priorityOf(t.spec),
      preemptible,
      startTime: a.startTime ?? a.claimTime ?? a.placeTime ?? t.createTime,
      resources: t.spec.resources,
      gpuIds: a.gpuIds ?? [],
      ...(t.stop?.kind === "preempted" && t.stop.attempt === a.number ? { preemptedFor: t.stop.forTaskId } : {}),
      ...(t.array ? { arrayId: t.array.id } : {}),
    });
    if (t.state === "RUNNING" && a.nodeId !== undefined) {
      running.push(held(a.nodeId, (t.spec.preemptible ?? false) && !t.cancel && !t.stop));
    } else if (t.state === "PENDING" && a.state === "PENDING") {
      if (a.nodeId !== undefined) {
        running.push(held(a.nodeId, false)); // claimed, its container not started yet
      } else if (a.placedOn !== undefined) {
        const why = closed(a.placedOn);
        if (why) unplace.push({ taskId: t.id, attempt: a.number, nodeId: a.placedOn, why });
        else running.push(held(a.placedOn, false));
      } else if (waitsForDependencies(t)) {
        continue; // the dependency loop releases it (TaskRecord.depsMet)
      } else if (a.notBefore > now) {
        nextDue = Math.min(nextDue ?? Infinity, a.notBefore);
      } else {
        pending.push(pendingOf(t));
      }
    }
  }
  return { snapshot: { nodes: nodeList, running, pending, quotas }, unplace, ...(nextDue !== undefined ? { nextDue } : {}) };
}

/** A task whose dependencies have not all held yet: not placed, whatever the room. */
export function waitsForDependencies(t: TaskRecord): boolean {
  return (t.spec.dependsOn?.length ?? 0) > 0 && t.depsMet === undefined;
}

/** Records are replaced, never changed: a pending attempt's view is made once per record (a backlog costs a lookup a round). */
const pendingViews = new WeakMap<TaskRecord, PendingAttempt>();

function pendingOf(t: TaskRecord): PendingAttempt {
  let p = pendingViews.get(t);
  if (p) return p;
  const a = currentAttempt(t);
  p = {
    taskId: t.id,
    attempt: a.number,
    namespace: namespaceOf(t),
    pool: t.spec.pool,
    priority: priorityOf(t.spec),
    queuedAt: t.createTime,
    resources: t.spec.resources,
    nodeLabels: t.spec.nodeLabels ?? {},
    network: t.spec.network ?? "none",
    ...(a.reservedOn !== undefined ? { reservedOn: a.reservedOn } : {}),
    ...(t.array?.maxParallel ? { array: { id: t.array.id, maxParallel: t.array.maxParallel } } : {}),
  };
  pendingViews.set(t, p);
  return p;
}

/** A node's heartbeat as placement capacity (agents from before placement: their GPU count as ids 0..N-1). */
export function capacityOfNode(n: NodeState): NodeCapacity {
  const r = n.record;
  const gpuIds = gpuDevicesOf(r).map((d) => d.id);
  return {
    id: r.id,
    pools: r.pools ?? [],
    labels: r.labels ?? {},
    networkModes: (r.networkModes ?? ["none"]) as NetworkMode[],
    slots: r.slots,
    cpus: r.cpus ?? 0,
    memoryBytes: r.memoryBytes ?? 0,
    gpuIds,
    schedulable: !n.lost && !r.draining && !n.drain,
    ...(n.lost ? { lost: true } : {}),
  };
}
