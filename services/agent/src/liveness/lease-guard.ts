/**
 * Self-fencing, applied: every checkEveryMs(lease) it asks core/self-fence.ts whether this
 * agent has been cut off from NATS for too long and, if so, stops every running attempt
 * (NODE_LOST, reported on reconnect), again for attempts started meanwhile.
 *
 *   connected ──no acked heartbeat for FENCE_AT of the lease──▶ fenced: stop all ──contact──▶ connected
 *
 * stop() is idempotent.
 */
import type { Logger } from "pino";
import { formatDuration } from "@trainyard/common";
import type { StopCause } from "../core/classify.js";
import { checkEveryMs, selfFence } from "../core/self-fence.js";

export class LeaseGuard {
  private timer?: NodeJS.Timeout;
  private fenced = false;

  constructor(
    private readonly leaseMs: number,
    /** Milliseconds since the last acknowledged heartbeat was sent (monotonic). */
    private readonly silentMs: () => number,
    /** Stops every running attempt with the cause; returns how many. */
    private readonly stopAll: (cause: StopCause) => number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.check(), checkEveryMs(this.leaseMs));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  check(): void {
    const cause = selfFence(this.silentMs(), this.leaseMs);
    if (!cause) {
      this.fenced = false;
      return;
    }
    const stopped = this.stopAll(cause);
    if (stopped && !this.fenced) {
      this.logger.error({ silentMs: cause.silentMs, leaseMs: this.leaseMs, stopped }, `no contact with NATS for ${formatDuration(cause.silentMs)}: stopping every task (self-fencing)`);
    }
    this.fenced = true;
  }
}
