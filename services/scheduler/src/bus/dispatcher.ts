/**
 * Hands attempts to their pool's work queue (DISPATCH stream) and tells whether a dispatch is
 * still queued. Publishing is idempotent: the message id "<task>:<attempt>" (":<n>" for the
 * n-th dispatch after a lost one) makes JetStream store it once however often, from however
 * many replicas, it is sent.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { dispatchSubject, STREAM, type DispatchMessage } from "@trainyard/common";

export interface Dispatcher {
  /** Publishes the dispatch; returns its stream sequence. */
  publish(pool: string, msg: DispatchMessage, previousDispatches: number): Promise<number>;
  /** Is the dispatch stored at `seq` still in the work queue (not yet acked by an agent)? */
  stillQueued(seq: number): Promise<boolean>;
}

export class JetStreamDispatcher implements Dispatcher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  async publish(pool: string, msg: DispatchMessage, previousDispatches: number): Promise<number> {
    const id = `${msg.taskId}:${msg.attempt}${previousDispatches ? `:${previousDispatches + 1}` : ""}`;
    const ack = await this.js.publish(dispatchSubject(pool), JSON.stringify(msg), { msgID: id });
    return ack.seq;
  }

  async stillQueued(seq: number): Promise<boolean> {
    return (await this.jsm.streams.getMessage(STREAM.dispatch, { seq })) !== null;
  }
}
