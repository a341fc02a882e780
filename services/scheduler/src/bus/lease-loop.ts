import type { Logger } from "pino";
import { lapseText } from "@trainyard/common";
import { lostAttempts } from "../core/leases.js";
import type { Applier } from "../store/applier.js";
import type { NodeView } from "../store/node-view.js";
import type { TaskView } from "../store/task-view.js";

export interface LeaseLoopOptions {
  tasks: TaskView;
  nodes: NodeView;
  applier: Applier;
  clock: () => number;
  /** Lease assumed for agents that never heartbeated. */
  defaultLeaseMs: number;
  logger: Logger;
  /** How often to judge; default a third of the lease, between 200 ms and 5 s. */
  everyMs?: number;
}

/**
 * Every `everyMs`, declares lost the attempts of agents whose lease lapsed (core/leases.ts):
 * each ends NODE_LOST and the retry policy decides what follows. Every replica runs one; the
 * applier's compare-and-set makes a decision apply once. stop() is idempotent.
 * After this replica (re)connects to NATS it judges no one for a lease: agents that could not
 * heartbeat through a NATS outage get the time to do so first.
 */
export class LeaseLoop {
  private timer?: NodeJS.Timeout;
  private running = false;
  private judgeFrom = 0;

  constructor(private readonly o: LeaseLoopOptions) {}

  start(): void {
    const everyMs = this.o.everyMs ?? Math.max(200, Math.min(5_000, this.o.defaultLeaseMs / 3));
    this.timer = setInterval(() => void this.tick(), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** No node is declared lost before `ms` from now (called on every NATS reconnect). */
  holdOff(ms = this.o.defaultLeaseMs): void {
    this.judgeFrom = Math.max(this.judgeFrom, this.o.clock() + ms);
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const { logger } = this.o;
      const now = this.o.clock();
      if (now < this.judgeFrom) return;
      for (const lost of lostAttempts(this.o.tasks.active(), this.o.nodes.liveness(), now, this.o.defaultLeaseMs)) {
        try {
          await this.o.applier.apply(lost.taskId, { type: "node-lost", ...lost, time: now });
          logger.warn({ task: lost.taskId, attempt: lost.attempt, node: lost.nodeId, why: lapseText(lost.lapse) }, "attempt lost with its node");
        } catch (err) {
          logger.warn({ task: lost.taskId, attempt: lost.attempt, node: lost.nodeId, err }, "could not mark an attempt lost; will retry");
        }
      }
    } finally {
      this.running = false;
    }
  }
}
