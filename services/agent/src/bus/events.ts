import { createHash } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { eventSubject, sleep, type AgentEvent } from "@trainyard/common";

/**
 * Reports an event to the scheduler (EVENTS stream), retrying until JetStream has stored it
 * or `signal` aborts. The message id "<task>:<attempt>:<type>" (notes: plus a hash of their
 * text) makes a retried report count once; progress events are best-effort (one try, no id).
 */
export async function publishEvent(js: JetStreamClient, e: AgentEvent, logger: Logger, signal: AbortSignal): Promise<void> {
  const data = JSON.stringify(e);
  if (e.type === "progress") {
    await js.publish(eventSubject(e.taskId), data).catch((err) => logger.debug({ err: String(err) }, "progress event dropped"));
    return;
  }
  for (let delay = 200; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      await js.publish(eventSubject(e.taskId), data, { msgID: messageId(e) });
      return;
    } catch (err) {
      if (signal.aborted) throw err;
      logger.warn({ err: String(err), event: e.type, retryInMs: delay }, "event not published; retrying");
      await sleep(delay, signal);
    }
  }
}

function messageId(e: AgentEvent): string {
  const base = `${e.taskId}:${e.attempt}:${e.type}`;
  return e.type === "note" ? `${base}:${createHash("sha256").update(e.message).digest("base64url").slice(0, 16)}` : base;
}
