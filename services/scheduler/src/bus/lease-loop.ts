import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { lostAttempts } from "../core/leases.js";
import { applyInput } from "../store/apply.js";
import type { NodeView } from "../store/node-view.js";
import type { TaskStore } from "../store/task-store.js";
import type { TaskView } from "../store/task-view.js";

/**
 * Every `everyMs`, declares lost the attempts of agents whose lease lapsed (core/leases.ts):
 * each ends NODE_LOST and the retry policy decides what follows. Every replica runs one; the
 * compare-and-set in applyInput makes a decision apply once. stop() is idempotent.
 * After this replica (re)connects to NATS it judges no one for a lease: agents that could not
 * heartbeat through a NATS outage get the time to do so first.
 */
export class LeaseLoop {
  private timer?: NodeJS.Timeout;
  private running = false;
  private judgeFrom = 0;

  constructor(
    private readonly tasks: TaskView,
    private readonly nodes: NodeView,
    private readonly store: TaskStore,
    private readonly js: JetStreamClient,
    private readonly clock: () => number,
    private readonly defaultLeaseMs: number,
    private readonly logger: Logger,
    private readonly everyMs = Math.max(200, Math.min(5_000, defaultLeaseMs / 3)),
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** No node is declared lost before `ms` from now (called on every NATS reconnect). */
  holdOff(ms = this.defaultLeaseMs): void {
    this.judgeFrom = Math.max(this.judgeFrom, this.clock() + ms);
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const now = this.clock();
      if (now < this.judgeFrom) return;
      for (const lost of lostAttempts(this.tasks.values(), this.nodes.liveness(), now, this.defaultLeaseMs)) {
        try {
          const s = await applyInput(this.store, this.js, lost.taskId, { type: "node-lost", ...lost, time: now });
          this.tasks.offer(s.task, s.revision);
          this.logger.warn({ task: lost.taskId, attempt: lost.attempt, node: lost.nodeId, why: lost.why }, "attempt lost with its node");
        } catch (err) {
          this.logger.warn({ task: lost.taskId, attempt: lost.attempt, node: lost.nodeId, err }, "could not mark an attempt lost; will retry");
        }
      }
    } finally {
      this.running = false;
    }
  }
}
