import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { dispatchSubject, STREAM, type DispatchMessage } from "@trainyard/common";

/**
 * Hands an attempt to its pool's work queue; returns the message's stream sequence.
 * Idempotent: the message id "<task>:<attempt>" (":<n>" for the n-th dispatch after a lost
 * one) makes JetStream store it once however often, from however many replicas, it is sent.
 */
export async function publishDispatch(js: JetStreamClient, pool: string, msg: DispatchMessage, previousDispatches = 0): Promise<number> {
  const id = `${msg.taskId}:${msg.attempt}${previousDispatches ? `:${previousDispatches + 1}` : ""}`;
  const ack = await js.publish(dispatchSubject(pool), JSON.stringify(msg), { msgID: id });
  return ack.seq;
}

/** Is a dispatch message still in the work queue (not yet acked by an agent)? */
export async function dispatchStillQueued(jsm: JetStreamManager, seq: number): Promise<boolean> {
  return (await jsm.streams.getMessage(STREAM.dispatch, { seq })) !== null;
}
