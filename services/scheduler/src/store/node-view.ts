/**
 * Each replica's view of the agents' heartbeats, fed by a watch on the KV bucket "nodes"
 * (store/kv-mirror.ts). lastSeen is the KV entry's timestamp: the NATS server's clock, not the
 * agent's. No node may be judged before `ready` (the heartbeats stored at start were read).
 * Drains asked of the scheduler (bucket "drains") are kept here too.
 */
import type { DrainRecord, NodeRecord } from "@trainyard/common";
import { nodeLost, type NodeLiveness } from "../core/leases.js";
import type { NodeState } from "../core/placement/snapshot.js";

export class NodeView {
  private readonly nodes = new Map<string, { record: NodeRecord; liveness: NodeLiveness }>();
  private readonly drains = new Map<string, DrainRecord>();
  private loaded!: () => void;
  readonly ready = new Promise<void>((r) => (this.loaded = r));
  private drainsLoaded!: () => void;
  /** Resolves once the drains stored when the feed began were read: no placement before. */
  readonly drainsReady = new Promise<void>((r) => (this.drainsLoaded = r));

  /** `onSeen` is told every heartbeat read (the scheduler makes the pools' consumers from them). */
  constructor(
    private readonly onSeen: (record: NodeRecord) => void = () => {},
    private readonly onDrain: (id: string) => void = () => {},
  ) {}

  markLoaded(): void {
    this.loaded();
  }

  markDrainsLoaded(): void {
    this.drainsLoaded();
  }

  /** Node `id`'s heartbeat, stored at `lastSeen` (epoch ms, server clock). */
  seen(id: string, record: NodeRecord, lastSeen: number): void {
    this.nodes.set(id, { record, liveness: { lastSeen, leaseMs: record.leaseMs } });
    this.onSeen(record);
  }

  remove(id: string): void {
    this.nodes.delete(id);
  }

  /** Node `id` is drained through the scheduler (null: not any more). */
  drained(id: string, drain: DrainRecord | null): void {
    if (drain) this.drains.set(id, drain);
    else this.drains.delete(id);
    this.onDrain(id);
  }

  drainOf(id: string): DrainRecord | undefined {
    return this.drains.get(id);
  }

  /** Every node with a heartbeat, with whether its lease lapsed at `now` and its drain. */
  states(now: number): NodeState[] {
    return [...this.nodes].map(([id, n]) => ({
      record: n.record,
      lost: nodeLost(id, n.liveness, now, now, n.liveness.leaseMs) !== null,
      lastSeen: n.liveness.lastSeen,
      ...(this.drains.has(id) ? { drain: this.drains.get(id)! } : {}),
    }));
  }

  liveness(): ReadonlyMap<string, NodeLiveness> {
    return new Map([...this.nodes].map(([id, n]) => [id, n.liveness]));
  }

  get(id: string): { record: NodeRecord; liveness: NodeLiveness } | undefined {
    return this.nodes.get(id);
  }
}
