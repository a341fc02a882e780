import type { JetStreamClient } from "@nats-io/jetstream";
import { createHash } from "node:crypto";
import { schedulerLogSubject } from "../nats/names.js";
import { frameHeaders } from "./frame-codec.js";

/**
 * Publishes one SYSTEM line (Trainyard's own words about a task) to the task's log.
 * May run twice for the same decision (a retried compare-and-set): the message id is derived
 * from the task, attempt and text, so JetStream stores the line once.
 */
export async function publishSystemLine(
  js: JetStreamClient,
  taskId: string,
  attempt: number,
  text: string,
  timeMs: number,
  fence = false,
): Promise<number> {
  const id = createHash("sha256").update(`${taskId}\0${attempt}\0${text}`).digest("base64url").slice(0, 22);
  const ack = await js.publish(schedulerLogSubject(taskId), `${text}\n`, {
    headers: frameHeaders(attempt, "system", timeMs, undefined, fence),
    msgID: `${taskId}:${attempt}:sys:${id}`,
  });
  return ack.seq;
}
