/**
 * Pulls dispatch messages from this node's work queue (the attempts the placer put here), one at a time and only while a slot is
 * free: wait until `ready` (the Docker gate), acquire a slot, ask for one message (waiting up to
 * 5 s, or until `signal`), hand it to `take`, and go on to the next free slot while `take` runs
 * (claiming is a few NATS round trips: attempts placed here together are claimed together, not
 * one after another), unless `oneAtATime`. `take` resolves true when it kept the slot (it launched the attempt, which
 * releases the slot when it ends); otherwise the slot is released here. Runs until `signal`
 * aborts, then returns once every `take` begun has ended; NATS errors are logged and retried
 * after a second (a pool whose consumer the scheduler has not made yet is waited for the same
 * way, said once).
 */
import type { Consumer, JetStreamClient, JsMsg } from "@nats-io/jetstream";
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
  /**
   * Each take ends before the next message is pulled. For a node with GPUs: a take checks the
   * attempt's devices against those held by attempts launched, so two takes at once could both
   * find the same device free.
   */
  oneAtATime?: boolean;
}

/** Pause after a failed pull before the next one. */
const PULL_RETRY_MS = 1_000;

export async function pullLoop(o: PullLoopOptions): Promise<void> {
  const { slots, signal } = o;
  const log = o.logger.child({ consumer: o.consumer });
  const taking = new Set<Promise<void>>();
  // Looked up once, again only after a failed pull (the scheduler may have made it anew).
  let consumer: Consumer | undefined;
  let waiting = false;
  while (!signal.aborted) {
    try {
      await o.ready?.(signal);
      await slots.acquire(signal);
    } catch {
      break;
    }
    let m: JsMsg | null = null;
    try {
      consumer ??= await o.js.consumers.get(STREAM.dispatch, o.consumer);
      m = await nextMessage(consumer, signal);
      waiting = false;
    } catch (err) {
      consumer = undefined;
      if (signal.aborted) {
        slots.release();
        break;
      }
      if (isConsumerMissing(err)) {
        // The scheduler makes it once it has read this agent's heartbeat.
        if (!waiting) log.info("waiting for the scheduler to create this node's dispatch consumer");
        waiting = true;
      } else log.warn({ err: String(err) }, "pulling work failed; retrying");
      await sleep(PULL_RETRY_MS, signal).catch(() => {});
    }
    if (!m) {
      slots.release();
      continue;
    }
    const t: Promise<void> = o
      .take(m)
      .catch((err: unknown) => {
        // Not acked: the message comes back after its ack wait.
        log.warn({ err: String(err) }, "taking work failed");
        return false;
      })
      .then((kept) => {
        if (!kept) slots.release();
        taking.delete(t);
      });
    taking.add(t);
    if (o.oneAtATime) await t;
  }
  await Promise.all(taking);
}

/** One message or null after 5 s; abortable (a message that arrives anyway goes to `take`, which naks it). */
async function nextMessage(consumer: Consumer, signal: AbortSignal): Promise<JsMsg | null> {
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
