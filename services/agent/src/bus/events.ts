/**
 * Reports an event to the scheduler (EVENTS stream, on the subject of the event's node), retrying until JetStream has stored it
 * or `signal` aborts. The message id "<task>:<attempt>:<type>" (notes: plus a hash of the
 * note; checkpoints: plus the save's time) makes a retried report count once; progress events are best-effort (one try, no id).
 */
import { createHash } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { eventSubject, retry, type AgentEvent } from "@trainyard/common";

const BACKOFF = { initialMs: 200, maxMs: 5_000 };
export async function publishEvent(js: JetStreamClient, e: AgentEvent, logger: Logger, signal: AbortSignal): Promise<void> {
  const data = JSON.stringify(e);
  if (e.type === "progress") {
    await js.publish(eventSubject(e.taskId, e.nodeId), data).catch((err) => logger.debug({ err: String(err) }, "progress event dropped"));
    return;
  }
  await retry(() => js.publish(eventSubject(e.taskId, e.nodeId), data, { msgID: messageId(e) }), {
    backoff: BACKOFF,
    signal,
    onRetry: (err, retryInMs) => logger.warn({ err: String(err), event: e.type, retryInMs }, "event not published; retrying"),
  });
}

function messageId(e: AgentEvent): string {
  const base = `${e.taskId}:${e.attempt}:${e.type}`;
  if (e.type === "checkpoint") return `${base}:${e.time}`; // one per save
  return e.type === "note" ? `${base}:${createHash("sha256").update(JSON.stringify(e.note)).digest("base64url").slice(0, 16)}` : base;
}
