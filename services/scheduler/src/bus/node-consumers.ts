/**
 * The dispatch consumer of every node that heartbeats (decision 0006: attempts are placed on a
 * node and published on trainyard.dispatch.node.<id>), created by the scheduler: agents' NATS
 * users may not create consumers (a consumer's configuration, its delivery subject included, is
 * not checked against its creator's rights). Each node's consumer is made (or checked) at most
 * once a minute per replica, so one removed by an operator comes back; a failure is logged and
 * tried again with the node's next heartbeat.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { ensureNodeConsumer, NODE_ID } from "@trainyard/common";

/** How long a made consumer is taken as still there. */
const RECHECK_MS = 60_000;

export class NodeConsumers {
  /** Node id → when its consumer was last made or found. */
  private readonly made = new Map<string, number>();
  private readonly making = new Set<string>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  ensure(nodeId: string): void {
    const madeAt = this.made.get(nodeId);
    if ((madeAt !== undefined && Date.now() - madeAt < RECHECK_MS) || this.making.has(nodeId)) return;
    if (!NODE_ID.test(nodeId)) {
      if (madeAt === undefined) this.logger.warn({ node: nodeId }, "a heartbeat names a node id that is not valid; no consumer made");
      this.made.set(nodeId, Date.now());
      return;
    }
    this.making.add(nodeId);
    ensureNodeConsumer(this.nc, nodeId)
      .then(
        () => {
          if (madeAt === undefined) this.logger.info({ node: nodeId }, "dispatch consumer ready");
          this.made.set(nodeId, Date.now());
        },
        (err: unknown) => this.logger.warn({ node: nodeId, err: String(err) }, "dispatch consumer not made; trying again with the next heartbeat"),
      )
      .finally(() => this.making.delete(nodeId));
  }
}
