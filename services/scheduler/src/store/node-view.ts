/**
 * Each replica's view of the agents' heartbeats, fed by a watch on the KV bucket "nodes"
 * (store/kv-mirror.ts). lastSeen is the KV entry's timestamp: the NATS server's clock, not the
 * agent's. No node may be judged before `ready` (the heartbeats stored at start were read).
 */
import type { NodeRecord } from "@trainyard/common";
import type { NodeLiveness } from "../core/leases.js";

export class NodeView {
  private readonly nodes = new Map<string, { record: NodeRecord; liveness: NodeLiveness }>();
  private loaded!: () => void;
  readonly ready = new Promise<void>((r) => (this.loaded = r));

  /** `onSeen` is told every heartbeat read (the scheduler makes the pools' consumers from them). */
  constructor(private readonly onSeen: (record: NodeRecord) => void = () => {}) {}

  markLoaded(): void {
    this.loaded();
  }

  /** Node `id`'s heartbeat, stored at `lastSeen` (epoch ms, server clock). */
  seen(id: string, record: NodeRecord, lastSeen: number): void {
    this.nodes.set(id, { record, liveness: { lastSeen, leaseMs: record.leaseMs } });
    this.onSeen(record);
  }

  remove(id: string): void {
    this.nodes.delete(id);
  }

  liveness(): ReadonlyMap<string, NodeLiveness> {
    return new Map([...this.nodes].map(([id, n]) => [id, n.liveness]));
  }

  get(id: string): { record: NodeRecord; liveness: NodeLiveness } | undefined {
    return this.nodes.get(id);
  }
}
