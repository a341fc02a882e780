/**
 * The dispatch consumer of every node that heartbeats (decision 0006: attempts are placed on a
 * node and published on trainyard.dispatch.node.<id>), created by the scheduler: agents' NATS
 * users may not create consumers (a consumer's configuration, its delivery subject included, is
 * not checked against its creator's rights). Each node's consumer is made once per replica; a
 * failure is logged and tried again with the node's next heartbeat.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { ensureNodeConsumer, NODE_ID } from "@trainyard/common";

export class NodeConsumers {
  private readonly made = new Set<string>();
  private readonly making = new Set<string>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  ensure(nodeId: string): void {
    if (this.made.has(nodeId) || this.making.has(nodeId)) return;
    if (!NODE_ID.test(nodeId)) {
      this.logger.warn({ node: nodeId }, "a heartbeat names a node id that is not valid; no consumer made");
      this.made.add(nodeId); // said once
      return;
    }
    this.making.add(nodeId);
    ensureNodeConsumer(this.nc, nodeId)
      .then(
        () => {
          this.made.add(nodeId);
          this.logger.info({ node: nodeId }, "dispatch consumer ready");
        },
        (err: unknown) => this.logger.warn({ node: nodeId, err: String(err) }, "dispatch consumer not made; trying again with the next heartbeat"),
      )
      .finally(() => this.making.delete(nodeId));
  }
}
