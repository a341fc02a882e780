import type { JetStreamClient } from "@nats-io/jetstream";
import { dispatchSubject, type DispatchMessage } from "@trainyard/common";

/**
 * Hands an attempt to its pool's work queue. Idempotent: the message id "<task>:<attempt>"
 * makes JetStream store it once however often (and from however many replicas) it is sent.
 */
export async function publishDispatch(js: JetStreamClient, pool: string, msg: DispatchMessage): Promise<void> {
  await js.publish(dispatchSubject(pool), JSON.stringify(msg), { msgID: `${msg.taskId}:${msg.attempt}` });
}
