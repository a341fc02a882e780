/**
 * Whether an attempt fits a node: statically (pool, labels, network mode: things that never
 * change while the node lives), when empty (its totals: could it ever?), and now (what its
 * attempts leave free). A node that does not advertise CPUs or memory (0) does not account them.
 * Pure.
 */
import type { NodeCapacity, PendingAttempt, Resources, RunningAttempt, Unfit } from "./types.js";

/** What is left on a node. CPUs and memory are Infinity on a node that does not account them. */
export interface Free {
  slots: number;
  cpus: number;
  memoryBytes: number;
  /** Free device ids, in the node's order. */
  gpuIds: string[];
}

/** The node's totals as free capacity (an empty node). */
export function capacityOf(node: NodeCapacity): Free {
  return {
    slots: node.slots,
    cpus: node.cpus > 0 ? node.cpus : Infinity,
    memoryBytes: node.memoryBytes > 0 ? node.memoryBytes : Infinity,
    gpuIds: [...node.gpuIds],
  };
}

/** What `held` (the attempts on this node, stopping ones included) leaves free. */
export function freeOn(node: NodeCapacity, held: readonly RunningAttempt[]): Free {
  return held.reduce((free, r) => minus(free, r.resources, r.gpuIds), capacityOf(node));
}

export function minus(free: Free, r: Resources, gpuIds: readonly string[]): Free {
  const taken = new Set(gpuIds);
  return {
    slots: free.slots - 1,
    cpus: free.cpus - r.cpus,
    memoryBytes: free.memoryBytes - r.memoryBytes,
    gpuIds: free.gpuIds.filter((g) => !taken.has(g)),
  };
}

export function plus(free: Free, r: Resources, gpuIds: readonly string[], order: readonly string[]): Free {
  const back = new Set([...free.gpuIds, ...gpuIds]);
  return {
    slots: free.slots + 1,
    cpus: free.cpus + r.cpus,
    memoryBytes: free.memoryBytes + r.memoryBytes,
    gpuIds: order.filter((g) => back.has(g)),
  };
}

/** Pool, labels and network mode: what no amount of waiting changes. */
export function fitsStatically(node: NodeCapacity, p: PendingAttempt): boolean {
  return (
    node.pools.includes(p.pool) &&
    Object.entries(p.nodeLabels).every(([k, v]) => node.labels[k] === v) &&
    node.networkModes.includes(p.network)
  );
}

export function fitsFree(free: Free, r: Resources): boolean {
  return free.slots >= 1 && free.cpus >= r.cpus && free.memoryBytes >= r.memoryBytes && free.gpuIds.length >= r.gpus;
}

/** The first `n` free devices. */
export function pickGpus(free: Free, n: number): string[] {
  return free.gpuIds.slice(0, n);
}

/**
 * Why no node of the pool could ever run `p`, even empty; null when one could. Lost nodes do
 * not count; draining ones do (they come back). The first missing thing is named, in the order
 * pool, labels, network, GPUs, CPUs, memory, with the largest the pool has of it.
 */
export function unfit(nodes: readonly NodeCapacity[], p: PendingAttempt): Unfit | null {
  let candidates = nodes.filter((n) => !n.lost && n.pools.includes(p.pool));
  if (candidates.length === 0) return { kind: "no-nodes" };
  candidates = candidates.filter((n) => Object.entries(p.nodeLabels).every(([k, v]) => n.labels[k] === v));
  if (candidates.length === 0) return { kind: "labels", want: p.nodeLabels };
  candidates = candidates.filter((n) => n.networkModes.includes(p.network));
  if (candidates.length === 0) return { kind: "network", want: p.network };
  const largest = (f: (c: Free) => number) => Math.max(...candidates.map((n) => f(capacityOf(n))));
  if (!candidates.some((n) => fitsFree(capacityOf(n), p.resources))) {
    const r = p.resources;
    const gpus = largest((c) => c.gpuIds.length);
    if (gpus < r.gpus) return { kind: "gpus", want: r.gpus, largest: gpus };
    const cpus = largest((c) => c.cpus);
    if (cpus < r.cpus) return { kind: "cpus", want: r.cpus, largest: cpus };
    const memory = largest((c) => c.memoryBytes);
    if (memory < r.memoryBytes) return { kind: "memory", want: r.memoryBytes, largest: memory };
    return { kind: "together", want: r };
  }
  return null;
}
