import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import type { NodeRecord } from "@trainyard/common";

/**
 * Puts this agent's NodeRecord in the "nodes" bucket every `everyMs` (lease / 3), so the
 * scheduler sees it alive, then runs `afterBeat` (reconcile-containers.ts: stop and remove what is
 * no longer ours).
 * A failed put is logged and tried again at the next beat. `afterBeat` runs on its own (one at
 * a time): a slow Docker Engine under it never delays the next put. stop() is idempotent.
 */
export class Heartbeat {
  private timer?: NodeJS.Timeout;
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
    clearInterval(this.timer);
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
      await this.nodes.put(r.id, JSON.stringify(r));
      this.lastAckedSend = sent;
    } catch (err) {
      this.logger.warn({ err: String(err) }, "heartbeat failed; will try again");
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
