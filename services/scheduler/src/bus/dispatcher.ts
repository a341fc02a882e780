/**
 * Hands placed attempts to their node's work queue (DISPATCH stream, trainyard.dispatch.node.<id>) and tells whether a dispatch is
 * still queued. Publishing is idempotent: the message id "<task>:<attempt>" (":<n>" for the
 * n-th dispatch after a lost one) makes JetStream store it once however often, from however
 * many replicas, it is sent.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { nodeDispatchSubject, STREAM, type DispatchMessage } from "@trainyard/common";

export interface Dispatcher {
  /** Publishes the dispatch; returns its stream sequence. */
  publish(nodeId: string, msg: DispatchMessage, previousDispatches: number): Promise<number>;
  /** Is the dispatch stored at `seq` still in the work queue (not yet acked by an agent)? */
  stillQueued(seq: number): Promise<boolean>;
}

export class JetStreamDispatcher implements Dispatcher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  async publish(nodeId: string, msg: DispatchMessage, previousDispatches: number): Promise<number> {
    const id = `${msg.taskId}:${msg.attempt}${previousDispatches ? `:${previousDispatches + 1}` : ""}`;
    const ack = await this.js.publish(nodeDispatchSubject(nodeId), JSON.stringify(msg), { msgID: id });
    return ack.seq;
  }

  async stillQueued(seq: number): Promise<boolean> {
    return (await this.jsm.streams.getMessage(STREAM.dispatch, { seq })) !== null;
  }
}
