/**
 * The dispatch consumers of the pools agents advertise in their heartbeats ("default" from the
 * start), created by the scheduler: agents' NATS users may not create consumers (a consumer's
 * configuration, its delivery subject included, is not checked against its creator's rights).
 * Each pool's consumer is made once per replica; a failure is logged and tried again with the
 * next heartbeat that names the pool.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { ensurePoolConsumer, POOL_NAME } from "@trainyard/common";

export class PoolConsumers {
  private readonly made = new Set<string>();
  private readonly making = new Set<string>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  ensure(pools: readonly string[]): void {
    for (const pool of pools) {
      if (this.made.has(pool) || this.making.has(pool)) continue;
      if (!POOL_NAME.test(pool)) {
        this.logger.warn({ pool }, "a heartbeat names a pool that is not a valid name; no consumer made");
        this.made.add(pool); // said once
        continue;
      }
      this.making.add(pool);
      ensurePoolConsumer(this.nc, pool).then(
        () => {
          this.made.add(pool);
          this.logger.info({ pool }, "dispatch consumer ready");
        },
        (err: unknown) => this.logger.warn({ pool, err: String(err) }, "dispatch consumer not made; trying again with the next heartbeat"),
      ).finally(() => this.making.delete(pool));
    }
  }
}
