import type { Logger } from "pino";
import { formatDuration } from "@trainyard/common";
import type { StopCause } from "./runner/classify.js";

/**
 * Self-fencing. The scheduler declares this node lost once no heartbeat of it was stored for
 * a lease, and dispatches its attempts again. Measured from when the last *acknowledged*
 * heartbeat was sent (that is no later than the server stored it), an agent that cannot reach
 * NATS stops its containers after FENCE_AT of the lease, giving each STOP_GRACE of the lease
 * before SIGKILL: they are gone before anyone else may start the same attempt's successor.
 *
 *   connected ──no acked heartbeat for 0.6 lease──▶ stop all (NODE_LOST, reported on reconnect)
 */
export const FENCE_AT = 0.6;
export const STOP_GRACE = 0.2;

/** The stop to apply when `silentMs` have passed since the last acknowledged heartbeat was sent, or null. Pure. */
export function selfFence(silentMs: number, leaseMs: number): Extract<StopCause, { kind: "isolated" }> | null {
  if (silentMs <= leaseMs * FENCE_AT) return null;
  return { kind: "isolated", silentMs, leaseMs, graceMs: Math.round(leaseMs * STOP_GRACE) };
}

/** How often the guard looks: a twentieth of the lease, between 50 ms and 1 s. */
export function checkEveryMs(leaseMs: number): number {
  return Math.max(50, Math.min(1_000, leaseMs / 20));
}

export class LeaseGuard {
  private timer?: NodeJS.Timeout;
  private fenced = false;

  constructor(
    private readonly leaseMs: number,
    /** Milliseconds since the last acknowledged heartbeat was sent (monotonic). */
    private readonly silentMs: () => number,
    /** Stops every running attempt with the cause. */
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
