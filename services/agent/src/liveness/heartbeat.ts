import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import type { NodeRecord } from "@trainyard/common";

/**
 * Puts this agent's NodeRecord in the "nodes" bucket every `everyMs` (lease / 6), so the
 * scheduler sees it alive, then runs `afterBeat` (reconcile-containers.ts: stop and remove what is
 * no longer ours).
 * A put not acknowledged within PUT_TIMEOUT_MS counts as failed (it may still land), and a
 * failed one is tried again every RETRY_MS until one is acknowledged, so that after a NATS
 * restart the silence lasts about as long as the outage, not up to another whole beat (a silence
 * of 0.6 of the lease makes the agent stop its containers: lease-guard.ts). `afterBeat` runs on
 * its own (one at a time): a slow Docker Engine under it never delays the next put. stop() is
 * idempotent.
 */

const PUT_TIMEOUT_MS = 2_000;
const RETRY_MS = 500;

export class Heartbeat {
  private timer?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private beating = false;
  private reconciling = false;
  /** performance.now() when the last heartbeat that NATS acknowledged was sent. */
  private lastAckedSend = performance.now();

  constructor(
    private readonly nodes: KV,
    private readonly record: () => NodeRecord,
    private readonly everyMs: number,
    private readonly logger: Logger,
    private readonly afterBeat: () => Promise<void> = async () => {},
  ) {}

  /** Beats once (awaited), then every everyMs. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.everyMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
  }

  /** Milliseconds since the last acknowledged heartbeat was sent (monotonic clock). */
  silentMs(): number {
    return performance.now() - this.lastAckedSend;
  }

  async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const sent = performance.now();
      const r = this.record();
      await withTimeout(this.nodes.put(r.id, JSON.stringify(r)), Math.min(PUT_TIMEOUT_MS, this.everyMs));
      this.lastAckedSend = sent;
    } catch (err) {
      this.logger.warn({ err: String(err) }, "heartbeat failed; will try again");
      if (!this.stopped) {
        clearTimeout(this.retry);
        this.retry = setTimeout(() => void this.beat(), RETRY_MS);
      }
      return;
    } finally {
      this.beating = false;
    }
    if (this.reconciling) return;
    this.reconciling = true;
    void this.afterBeat()
      .catch((err) => this.logger.warn({ err: String(err) }, "reconciling containers after a heartbeat failed; will try again"))
      .finally(() => (this.reconciling = false));
  }
}

/** `p`, or a rejection after `ms` (p goes on: a late put is harmless). */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not acknowledged within ${ms} ms`)), ms)));
  p.catch(() => {});
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
