/**
 * The placer lease (decision 0006): at most one scheduler replica places work at a time. The
 * lease is the key "placer" in the leases bucket, whose entries expire LEASE_TTL_MS after their
 * last write. A replica takes it by creating the key, and keeps it by updating it with
 * compare-and-set every third of the TTL. Its epoch is the revision it created the key at, and
 * every placement it writes carries that epoch.
 *
 * A holder that has not renewed for half the TTL (NATS unreachable, the process paused) stops
 * placing at once (`held` turns null). Nobody else can take the key before the whole TTL has
 * passed since the last renewal, so two placers never overlap in time. stop() deletes the key
 * with compare-and-set, so a replica shutting down hands over at once.
 *
 *   idle ──create ok──▶ holding (epoch) ──renew fails, or no renewal for TTL/2──▶ idle
 *                          └──stop()──▶ released
 */
import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import { LEASE_TTL_MS, sleep } from "@trainyard/common";

export const PLACER_KEY = "placer";

export interface LeaseHolding {
  /** The key's revision when this replica took it; larger for every later holder. */
  epoch: number;
}

export interface PlacerLeaseOptions {
  kv: KV;
  /** This replica's name, stored in the key (for operators). */
  holder: string;
  logger: Logger;
  /** Told when this replica starts or stops being the placer. */
  onChange?: (held: LeaseHolding | null) => void;
  ttlMs?: number;
  /** Monotonic milliseconds (default performance.now). */
  clock?: () => number;
}

export class PlacerLease {
  private holding: (LeaseHolding & { revision: number; renewedAt: number }) | null = null;
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private readonly ttlMs: number;
  private readonly clock: () => number;

  constructor(private readonly o: PlacerLeaseOptions) {
    this.ttlMs = o.ttlMs ?? LEASE_TTL_MS;
    this.clock = o.clock ?? (() => performance.now()); // monotonic: a wall-clock jump extends nothing
  }

  /** This replica's holding, if it may place now. */
  get held(): LeaseHolding | null {
    if (this.holding && this.clock() - this.holding.renewedAt > this.ttlMs / 2) this.drop("not renewed for half the lease");
    return this.holding && { epoch: this.holding.epoch };
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops renewing and gives the lease up (deleted, compare-and-set) so another replica takes it at once. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    const h = this.holding;
    this.drop("stopping");
    if (h) await this.o.kv.delete(PLACER_KEY, { previousSeq: h.revision }).catch(() => {});
  }

  private async run(): Promise<void> {
    const { kv, holder, logger } = this.o;
    const value = () => JSON.stringify({ holder, time: Date.now() });
    while (!this.stopping.signal.aborted) {
      try {
        const h = this.holding;
        if (h) {
          // The lease runs from when the server stores the write: count from before sending it.
          const sentAt = this.clock();
          const revision = await kv.update(PLACER_KEY, value(), h.revision);
          // Given up meanwhile (not renewed in time): stay out; the key expires and is taken anew.
          if (this.holding === h) this.holding = { ...h, revision, renewedAt: sentAt };
        } else {
          const renewedAt = this.clock();
          const revision = await kv.create(PLACER_KEY, value());
          this.holding = { epoch: revision, revision, renewedAt };
          logger.info({ epoch: revision }, "placer lease taken: this replica places work");
          this.o.onChange?.({ epoch: revision });
        }
      } catch (err) {
        // Not ours (another replica holds it, or took it over), or NATS did not answer.
        if (this.holding) this.drop(`renewal failed: ${String(err)}`);
      }
      await sleep(this.ttlMs / 3, this.stopping.signal).catch(() => {});
    }
  }

  private drop(why: string): void {
    if (!this.holding) return;
    this.o.logger.warn({ epoch: this.holding.epoch, why }, "placer lease given up: this replica no longer places work");
    this.holding = null;
    this.o.onChange?.(null);
  }
}
