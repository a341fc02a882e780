import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { parseDispatch, poolConsumer, sleep, STREAM, type DispatchMessage } from "@trainyard/common";
import type { Slots } from "./slots.js";

/**
 * Pulls dispatch messages from one pool's work queue, one at a time and only while a slot is
 * free: acquire a slot, ask for one message (waiting up to 5 s, or until `signal`), hand it over. `handle`
 * returns true when it kept the slot (it started the attempt and releases the slot when the
 * attempt ends); otherwise the slot is released here. Runs until `signal` aborts; NATS errors
 * are logged and retried.
 */
export async function pullLoop(
  js: JetStreamClient,
  pool: string,
  slots: Slots,
  handle: (m: JsMsg, d: DispatchMessage) => Promise<boolean>,
  logger: Logger,
  signal: AbortSignal,
  ready: (signal: AbortSignal) => Promise<void> = async () => {},
): Promise<void> {
  const log = logger.child({ pool });
  while (!signal.aborted) {
    try {
      await ready(signal);
      await slots.acquire(signal);
    } catch {
      break;
    }
    let kept = false;
    try {
      const m = await nextMessage(js, pool, signal);
      if (!m) continue;
      if (signal.aborted) {
        m.nak();
        break;
      }
      const d = parseDispatch(safeJson(m));
      if (!d) {
        log.error({ seq: m.seq }, "dropping a dispatch message that does not parse");
        m.term();
        continue;
      }
      kept = await handle(m, d);
    } catch (err) {
      if (signal.aborted) break;
      log.warn({ err: String(err) }, "pulling work failed; retrying");
      await sleep(1_000, signal).catch(() => {});
    } finally {
      if (!kept) slots.release();
    }
  }
}

/** One message or null after 5 s; abortable (a message that arrives anyway is nak'ed). */
async function nextMessage(js: JetStreamClient, pool: string, signal: AbortSignal): Promise<JsMsg | null> {
  const consumer = await js.consumers.get(STREAM.dispatch, poolConsumer(pool));
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

function safeJson(m: JsMsg): unknown {
  try {
    return m.json();
  } catch {
    return null;
  }
}
