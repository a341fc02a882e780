/**
 * One placement round: which pending attempt goes to which node, which running attempts are
 * preempted, and why every other pending attempt waits. Pure; table-tested
 * (test/placement/place.test.ts).
 *
 * In queue order (queue.ts: priority, fair share, age), each pending attempt:
 *   1. waits when its array already runs its max_parallel, or on its namespace's quota
 *      (max_running, max_gpus) when placing it would pass one;
 *   2. is unschedulable when no node of its pool could run it even empty (fit.ts unfit);
 *   3. is placed on the node it fits now that keeps the most room elsewhere (fewest free GPUs
 *      left, then fewest free slots: GPU tasks pack, CPU tasks stay off GPU nodes), taking the
 *      first free devices;
 *   4. otherwise, waits for running attempts already being preempted for it, or preempts
 *      (preempt.ts), or waits for room with its place in the pool's queue.
 * A blocked attempt reserves one node (the one it would preempt on, or for the first blocked
 * attempt of a pool the node with the most free GPUs and slots), so later, smaller attempts
 * cannot keep taking the room it waits for; each pool holds at most one such reservation.
 * Nodes where attempts are being preempted for a pending one (`preemptedFor`), and the node its
 * record says it preempted on (`reservedOn`), are its own from the start of the round; once
 * what was stopped is gone it is placed there before anything else.
 *
 * Cost: free room only shrinks during a round, so an attempt shape (pool, labels, network,
 * resources) that found no node, or no victims at its priority, is not looked for again: a
 * backlog of similar attempts costs a map lookup each. Once no node has a free slot and no
 * remaining attempt outranks a preemptible one, the rest are not ordered nor searched for: only
 * checked for a quota or being unschedulable (`unexamined`).
 */
import { capacityOf, fitsFree, fitsStatically, freeOn, minus, pickGpus, unfit, type Free } from "./fit.js";
import { chooseVictims } from "./preempt.js";
import { addUsage, fairOrder, NO_USAGE, type Usage } from "./queue.js";
import type { Decision, NodeCapacity, PendingAttempt, RunningAttempt, Snapshot, WaitReason } from "./types.js";

export function place(s: Snapshot): Decision {
  const decision: Decision = { place: [], preempt: [], waiting: new Map(), unexamined: 0 };
  const held = new Map<string, RunningAttempt[]>();
  for (const r of s.running) held.set(r.nodeId, [...(held.get(r.nodeId) ?? []), r]);
  const schedulable = s.nodes.filter((n) => n.schedulable && !n.lost);
  const free = new Map<string, Free>(schedulable.map((n) => [n.id, freeOn(n, held.get(n.id) ?? [])]));

  /** Attempts of each array running or placed (max_parallel). */
  const inArray = new Map<string, number>();
  for (const r of s.running) if (r.arrayId !== undefined) inArray.set(r.arrayId, (inArray.get(r.arrayId) ?? 0) + 1);
  const usage = new Map<string, Usage & { running: number }>();
  const use = (ns: string) => usage.get(ns) ?? { ...NO_USAGE, running: 0 };
  for (const r of s.running) usage.set(r.namespace, { ...addUsage(use(r.namespace), r.resources), running: use(r.namespace).running + 1 });
  const total = s.nodes.filter((n) => !n.lost).reduce<Usage>(
    (t, n) => ({ slots: t.slots + n.slots, cpus: t.cpus + n.cpus, memoryBytes: t.memoryBytes + n.memoryBytes, gpus: t.gpus + n.gpuIds.length }),
    NO_USAGE,
  );

  /** Nodes kept for one pending attempt: nothing else is placed there this round. */
  const reserved = new Map<string, string>();
  const usable = (n: NodeCapacity, p: PendingAttempt) => (reserved.get(n.id) ?? p.taskId) === p.taskId;
  const unfitByShape = new Map<string, ReturnType<typeof unfit>>();
  /** Shapes no node has room for now (room only shrinks during a round). */
  const blocked = new Set<string>();
  /** Shapes and priorities for which no victims could be found. */
  const noVictims = new Set<string>();
  /** Victims chosen this round: no later attempt chooses them again. */
  const chosen = new Set<RunningAttempt>();
  const poolsReserved = new Set<string>();
  const positions = new Map<string, number>();
  const wait = (p: PendingAttempt, why: WaitReason) => void decision.waiting.set(p.taskId, why);

  let openSlots = schedulable.reduce((n, node) => n + Math.max(0, free.get(node.id)!.slots), 0);
  const reserve = (nodeId: string, forTaskId: string) => {
    if (reserved.has(nodeId)) return;
    reserved.set(nodeId, forTaskId);
    openSlots -= Math.max(0, free.get(nodeId)?.slots ?? 0);
  };
  // What is being preempted for a pending attempt is kept for it from the start of the round.
  const beingStopped = new Map<string, RunningAttempt[]>();
  for (const r of s.running) if (r.preemptedFor !== undefined) beingStopped.set(r.preemptedFor, [...(beingStopped.get(r.preemptedFor) ?? []), r]);
  for (const p of s.pending) {
    for (const r of beingStopped.get(p.taskId) ?? []) reserve(r.nodeId, p.taskId);
    // A reservation is kept only while its attempt could use it (not held back by a quota).
    if (p.reservedOn !== undefined && free.has(p.reservedOn) && !quotaPassed(p, use(p.namespace), s.quotas[p.namespace])) reserve(p.reservedOn, p.taskId);
  }
  const stoppingFor = (p: PendingAttempt) => beingStopped.get(p.taskId) ?? [];
  const lowestVictim = () => Math.min(...s.running.filter((r) => r.preemptible && r.preemptedFor === undefined && !chosen.has(r)).map((r) => r.priority));
  let victimPriority = lowestVictim();

  /** Quota or unschedulable: what an attempt waits for besides room. */
  const heldBack = (p: PendingAttempt): WaitReason | null => {
    if (p.array && (inArray.get(p.array.id) ?? 0) >= p.array.maxParallel) return { kind: "array", arrayId: p.array.id, maxParallel: p.array.maxParallel };
    const quota = quotaPassed(p, use(p.namespace), s.quotas[p.namespace]);
    if (quota) return quota;
    const shape = shapeOf(p);
    if (!unfitByShape.has(shape)) unfitByShape.set(shape, unfit(s.nodes, p));
    const never = unfitByShape.get(shape);
    return never ? { kind: "unschedulable", pool: p.pool, why: never } : null;
  };

  const examined = new Set<PendingAttempt>();
  const placeOn = (p: PendingAttempt, node: NodeCapacity) => {
    const f = free.get(node.id)!;
    const gpuIds = pickGpus(f, p.resources.gpus);
    free.set(node.id, minus(f, p.resources, gpuIds));
    if (!reserved.has(node.id)) openSlots--;
    usage.set(p.namespace, { ...addUsage(use(p.namespace), p.resources), running: use(p.namespace).running + 1 });
    if (p.array) inArray.set(p.array.id, (inArray.get(p.array.id) ?? 0) + 1);
    decision.place.push({ taskId: p.taskId, attempt: p.attempt, nodeId: node.id, gpuIds });
    examined.add(p);
  };

  // An attempt whose room was made by preemption takes it first, once what was stopped is gone.
  for (const p of s.pending) {
    const node = p.reservedOn !== undefined && reserved.get(p.reservedOn) === p.taskId ? schedulable.find((n) => n.id === p.reservedOn) : undefined;
    if (node && stoppingFor(p).length === 0 && !heldBack(p) && fitsStatically(node, p) && fitsFree(free.get(node.id)!, p.resources)) placeOn(p, node);
  }
  for (const p of fairOrder(s.pending, use, total)) {
    if (examined.has(p)) continue;
    // Attempts come by priority, highest first: none of the rest can be placed or preempt.
    if (openSlots <= 0 && p.priority <= victimPriority) break;
    examined.add(p);
    const back = heldBack(p);
    if (back) {
      wait(p, back);
      continue;
    }
    const shape = shapeOf(p);
    const stopping = stoppingFor(p);
    // The shape memo holds for attempts without a node of their own (the same nodes are usable).
    const own = stopping.length > 0 || (p.reservedOn !== undefined && reserved.get(p.reservedOn) === p.taskId);
    const fitting = !own && blocked.has(shape) ? [] : schedulable.filter((n) => usable(n, p) && fitsStatically(n, p) && fitsFree(free.get(n.id)!, p.resources));
    if (fitting.length === 0 && !own) blocked.add(shape);
    if (fitting.length > 0) {
      placeOn(p, bestFit(fitting, free, p));
      continue;
    }

    if (stopping.length > 0) {
      wait(p, { kind: "preempting", nodeId: stopping[0]!.nodeId, victims: stopping.length });
      continue;
    }
    const candidates = () => schedulable.filter((n) => usable(n, p) && fitsStatically(n, p));
    const victimKey = `${shape}|${p.priority}`;
    const choice = noVictims.has(victimKey) ? null : chooseVictims(p, candidates(), held, chosen, free);
    if (!choice) noVictims.add(victimKey);
    if (choice) {
      for (const v of choice.victims) {
        chosen.add(v);
        decision.preempt.push({ taskId: v.taskId, attempt: v.attempt, nodeId: v.nodeId, forTaskId: p.taskId });
      }
      reserve(choice.nodeId, p.taskId);
      victimPriority = lowestVictim();
      wait(p, { kind: "preempting", nodeId: choice.nodeId, victims: choice.victims.length });
      continue;
    }
    if (!poolsReserved.has(p.pool)) {
      const target = roomiest(candidates(), free, p);
      if (target) reserve(target.id, p.taskId);
      poolsReserved.add(p.pool);
    }
    const position = (positions.get(p.pool) ?? 0) + 1;
    positions.set(p.pool, position);
    wait(p, { kind: "room", pool: p.pool, position });
  }
  // The rest wait for room (no entry: their place in line is worked out when they are read),
  // unless a quota or their shape holds them back.
  for (const p of s.pending) {
    if (examined.has(p)) continue;
    decision.unexamined++;
    const back = heldBack(p);
    const stopping = stoppingFor(p);
    if (back) wait(p, back);
    else if (stopping.length > 0) wait(p, { kind: "preempting", nodeId: stopping[0]!.nodeId, victims: stopping.length });
  }
  return decision;
}

/** Shapes worked out before: pending attempts are kept from round to round while their record stays the same. */
const shapes = new WeakMap<PendingAttempt, string>();

/** What decides where an attempt may go: attempts of one shape fit the same nodes. */
function shapeOf(p: PendingAttempt): string {
  let shape = shapes.get(p);
  if (shape === undefined) {
    const labels = Object.entries(p.nodeLabels).sort().map(([k, v]) => `${k}=${v}`).join(",");
    const r = p.resources;
    shapes.set(p, (shape = `${p.pool}|${p.network}|${labels}|${r.cpus}|${r.memoryBytes}|${r.gpus}`));
  }
  return shape;
}

function quotaPassed(p: PendingAttempt, used: Usage & { running: number }, q: { maxRunning?: number; maxGpus?: number } | undefined): WaitReason | null {
  if (q?.maxRunning !== undefined && used.running + 1 > q.maxRunning) {
    return { kind: "quota", namespace: p.namespace, quota: "max_running", used: used.running, limit: q.maxRunning };
  }
  if (q?.maxGpus !== undefined && p.resources.gpus > 0 && used.gpus + p.resources.gpus > q.maxGpus) {
    return { kind: "quota", namespace: p.namespace, quota: "max_gpus", used: used.gpus, limit: q.maxGpus };
  }
  return null;
}

/**
 * The node that, after taking `p`, has the fewest free GPUs left; for an attempt without GPUs
 * then the fewest GPUs at all (GPU nodes stay free for GPU work); then the fewest free slots;
 * then the lowest id.
 */
function bestFit(nodes: NodeCapacity[], free: ReadonlyMap<string, Free>, p: PendingAttempt): NodeCapacity {
  const key = (n: NodeCapacity) => {
    const f = free.get(n.id)!;
    return [f.gpuIds.length - p.resources.gpus, p.resources.gpus === 0 ? n.gpuIds.length : 0, f.slots];
  };
  return minBy(nodes, key)!;
}

/**
 * Where a blocked attempt waits: of the nodes that could run it once empty, the one with the
 * most free GPUs, then free slots, then the lowest id.
 */
function roomiest(nodes: NodeCapacity[], free: ReadonlyMap<string, Free>, p: PendingAttempt): NodeCapacity | undefined {
  const able = nodes.filter((n) => fitsFree(capacityOf(n), p.resources));
  return minBy(able, (n) => [-free.get(n.id)!.gpuIds.length, -free.get(n.id)!.slots]);
}

/** The item with the smallest key (compared element by element), ties to the lowest id. */
function minBy<T extends { id: string }>(items: T[], key: (t: T) => number[]): T | undefined {
  let best: T | undefined;
  let bestKey: number[] = [];
  for (const item of items) {
    const k = key(item);
    const i = k.findIndex((v, j) => v !== bestKey[j]);
    if (!best || (i >= 0 ? k[i]! < bestKey[i]! : item.id < best.id)) {
      best = item;
      bestKey = k;
    }
  }
  return best;
}
