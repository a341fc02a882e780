import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import type { NodeRecord } from "@trainyard/common";
import type { NodeLiveness } from "../core/leases.js";
import { mirrorBucket } from "./mirror-bucket.js";

/**
 * Each replica's view of the agents' heartbeats, fed by a watch on the KV bucket "nodes".
 * lastSeen is the KV entry's timestamp: the NATS server's clock, not the agent's.
 */
export class NodeView {
  private readonly nodes = new Map<string, { record: NodeRecord; liveness: NodeLiveness }>();
  private mirror?: { ready: Promise<void>; stop(): void };

  /** Resolves once the heartbeats stored at start were read: before that, no node may be judged. */
  get ready(): Promise<void> {
    if (!this.mirror) throw new Error("start() first");
    return this.mirror.ready;
  }

  constructor(
    private readonly kv: KV,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.mirror = await mirrorBucket(
      this.kv,
      (e) => {
        if (e.operation !== "PUT") return void this.nodes.delete(e.key);
        try {
          const record = e.json<NodeRecord>();
          this.nodes.set(e.key, { record, liveness: { lastSeen: e.created.getTime(), leaseMs: record.leaseMs } });
        } catch {
          this.logger.warn({ node: e.key }, "unreadable node record");
        }
      },
      this.logger,
      "node view",
    );
  }

  stop(): void {
    this.mirror?.stop();
  }

  liveness(): ReadonlyMap<string, NodeLiveness> {
    return new Map([...this.nodes].map(([id, n]) => [id, n.liveness]));
  }

  get(id: string): { record: NodeRecord; liveness: NodeLiveness } | undefined {
    return this.nodes.get(id);
  }
}
