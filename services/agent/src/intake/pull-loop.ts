/**
 * Pulls dispatch messages from this node's work queue (the attempts the placer put here), one at a time and only while a slot is
 * free: wait until `ready` (the Docker gate), acquire a slot, ask for one message (waiting up to
 * 5 s, or until `signal`), hand it to `take`. `take` returns true when it kept the slot (it
 * launched the attempt, which releases the slot when it ends); otherwise the slot is released
 * here. Runs until `signal` aborts; NATS errors are logged and retried after a second (a pool
 * whose consumer the scheduler has not made yet is waited for the same way, said once).
 */
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { sleep, STREAM } from "@trainyard/common";
import type { Slots } from "./slots.js";

export interface PullLoopOptions {
  js: JetStreamClient;
  /** The durable consumer on DISPATCH (nodeConsumer(id)). */
  consumer: string;
  slots: Slots;
  take: (m: JsMsg) => Promise<boolean>;
  logger: Logger;
  signal: AbortSignal;
  /** Resolves when work may be taken (the Docker Engine answers). */
  ready?: (signal: AbortSignal) => Promise<void>;
}

/** Pause after a failed pull before the next one. */
const PULL_RETRY_MS = 1_000;

export async function pullLoop(o: PullLoopOptions): Promise<void> {
  const { slots, signal } = o;
  const log = o.logger.child({ consumer: o.consumer });
  let waiting = false;
  while (!signal.aborted) {
    try {
      await o.ready?.(signal);
      await slots.acquire(signal);
    } catch {
      break;
    }
    let kept = false;
    try {
      const m = await nextMessage(o.js, o.consumer, signal);
      waiting = false;
      if (m) kept = await o.take(m);
    } catch (err) {
      if (signal.aborted) break;
      if (isConsumerMissing(err)) {
        // The scheduler makes it once it has read this agent's heartbeat.
        if (!waiting) log.info("waiting for the scheduler to create this node's dispatch consumer");
        waiting = true;
      } else log.warn({ err: String(err) }, "pulling work failed; retrying");
      await sleep(PULL_RETRY_MS, signal).catch(() => {});
    } finally {
      if (!kept) slots.release();
    }
  }
}

/** One message or null after 5 s; abortable (a message that arrives anyway goes to `take`, which naks it). */
async function nextMessage(js: JetStreamClient, name: string, signal: AbortSignal): Promise<JsMsg | null> {
  const consumer = await js.consumers.get(STREAM.dispatch, name);
  const batch = await consumer.fetch({ max_messages: 1, expires: 5_000 });
  const stop = () => void batch.stop();
  signal.addEventListener("abort", stop, { once: true });
  try {
    for await (const m of batch) return m;
    return null;
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

function isConsumerMissing(err: unknown): boolean {
  return err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.ConsumerNotFound || err.code === JetStreamApiCodes.StreamNotFound);
}
