import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import type { NodeRecord } from "@trainyard/common";
import type { NodeLiveness } from "../core/leases.js";

/**
 * Each replica's view of the agents' heartbeats, fed by a watch on the KV bucket "nodes".
 * lastSeen is the KV entry's timestamp: the NATS server's clock, not the agent's.
 */
export class NodeView {
  private readonly nodes = new Map<string, { record: NodeRecord; liveness: NodeLiveness }>();
  private stopWatch?: () => void;
  private markReady!: () => void;
  /** Resolves once the heartbeats stored at start were read: before that, no node may be judged. */
  readonly ready = new Promise<void>((r) => (this.markReady = r));

  constructor(
    private readonly kv: KV,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if ((await this.kv.status()).values === 0) this.markReady();
    const w = await this.kv.watch();
    this.stopWatch = () => w.stop();
    void (async () => {
      for await (const e of w) {
        if (e.operation !== "PUT") {
          this.nodes.delete(e.key);
          if (e.delta === 0) this.markReady();
          continue;
        }
        try {
          const record = e.json<NodeRecord>();
          this.nodes.set(e.key, { record, liveness: { lastSeen: e.created.getTime(), leaseMs: record.leaseMs } });
        } catch {
          this.logger.warn({ node: e.key }, "unreadable node record");
        }
        if (e.delta === 0) this.markReady();
      }
    })().catch((err) => this.logger.error({ err }, "node view watch ended"));
  }

  stop(): void {
    this.stopWatch?.();
  }

  liveness(): ReadonlyMap<string, NodeLiveness> {
    return new Map([...this.nodes].map(([id, n]) => [id, n.liveness]));
  }

  get(id: string): { record: NodeRecord; liveness: NodeLiveness } | undefined {
    return this.nodes.get(id);
  }
}
