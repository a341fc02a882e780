/**
 * Consumes agent events (the EVENTS work queue, one durable consumer shared by all replicas)
 * and applies each to its task, EVENTS_AT_ONCE at a time (different tasks at once; one task's
 * one after another, in stream order). Ack after the record is stored; nak on failure so the
 * event comes back; term what cannot be parsed, and an event whose body names another task or node
 * than its subject (trainyard.events.<task>.<node>, which NATS permissions bind to the agent
 * that published it). The attempt's claim holder goes with the event: the transition ignores
 * events from any other node. Runs until `signal` aborts.
 */
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { checkpointName, NotFoundError, parseAgentEvent, type AgentEvent, type TaskRecord, parseEventSubject, SCHEDULER_CONSUMER, STREAM, sleep } from "@trainyard/common";
import type { Applier } from "../store/applier.js";
import { KeyedLanes } from "./keyed-lanes.js";

export interface EventConsumerOptions {
  js: JetStreamClient;
  applier: Applier;
  /** The node the claims bucket names for an attempt; null when nobody claimed it. */
  claimHolder: (taskId: string, attempt: number) => Promise<string | null>;
  /** Removes a checkpoint object (checkpoint-store.ts); called for saves nobody will restore. */
  deleteCheckpoint: (name: string) => Promise<void>;
  /** Is the save in the store? A save's event is applied only while it is (the sweep may have taken a late one). */
  checkpointExists: (name: string) => Promise<boolean>;
  clock: () => number;
  logger: Logger;
  signal: AbortSignal;
}

/** An event that still fails after this many deliveries (a minute and more) is dropped. */
const MAX_EVENT_DELIVERIES = 60;
/** Events applied at once (each a few NATS round trips); one task's events still apply one at a time, in order. */
const EVENTS_AT_ONCE = 64;

export async function consumeEvents(o: EventConsumerOptions): Promise<void> {
  const { js, logger, signal } = o;
  while (!signal.aborted) {
    try {
      const consumer = await js.consumers.get(STREAM.events, SCHEDULER_CONSUMER);
      const messages = await consumer.consume({ max_messages: 256 });
      const stop = () => void messages.close();
      signal.addEventListener("abort", stop, { once: true });
      const lanes = new KeyedLanes(EVENTS_AT_ONCE);
      try {
        for await (const m of messages) await lanes.push(parseEventSubject(m.subject)?.taskId ?? `seq ${m.seq}`, () => handle(m));
      } finally {
        signal.removeEventListener("abort", stop);
        await lanes.idle();
      }
    } catch (err) {
      if (signal.aborted) break;
      logger.warn({ err }, "event consumer interrupted; resubscribing");
      await sleep(500, signal).catch(() => {});
    }
  }

  async function handle(m: JsMsg): Promise<void> {
    try {
      await apply(m);
    } catch (err) {
      logger.error({ err, subject: m.subject, seq: m.seq }, "event not handled");
    }
  }

  async function apply(m: JsMsg): Promise<void> {
    let event;
    try {
      event = parseAgentEvent(m.json());
    } catch {
      event = null;
    }
    if (!event) {
      logger.error({ subject: m.subject, seq: m.seq }, "dropping an event that does not parse");
      m.term();
      return;
    }
    const from = parseEventSubject(m.subject);
    if (!from || from.taskId !== event.taskId || (from.nodeId !== undefined && from.nodeId !== event.nodeId)) {
      logger.error({ subject: m.subject, seq: m.seq, task: event.taskId, node: event.nodeId }, "dropping an event whose task or node is not its subject's");
      m.term();
      return;
    }
    const log = logger.child({ task: event.taskId, attempt: event.attempt, node: event.nodeId });
    try {
      if (event.type === "checkpoint" && !(await o.checkpointExists(checkpointName(event.taskId, event)))) {
        log.warn({ checkpoint: checkpointName(event.taskId, event) }, "a save's event came after the save was deleted (the sweep took it as nobody's); dropped");
        m.term();
        return;
      }
      const holder = await o.claimHolder(event.taskId, event.attempt);
      const applied = await o.applier.apply(event.taskId, { ...event, holder }, o.clock());
      log.debug({ event: event.type }, "event applied");
      m.ack();
      for (const name of supersededSaves(event, applied.before, applied.task)) {
        await o.deleteCheckpoint(name).catch((err: unknown) => log.warn({ err: String(err), checkpoint: name }, "checkpoint not deleted; the sweep will"));
      }
    } catch (err) {
      if (err instanceof NotFoundError) {
        log.warn({ event: event.type }, "event for an unknown task; dropped");
        m.term();
        return;
      }
      if (m.info.deliveryCount >= MAX_EVENT_DELIVERIES) {
        log.error({ err, event: event.type, deliveries: m.info.deliveryCount }, "event failed too often; dropped");
        m.term();
        return;
      }
      log.warn({ err, event: event.type }, "event not applied; will retry");
      m.nak(1_000);
    }
  }
}

/**
 * The saves an applied event leaves nobody to restore: a checkpoint the record did not take (a
 * fenced or older attempt's, or one older than the recorded save), or the one it replaced.
 */
export function supersededSaves(event: AgentEvent, before: TaskRecord | undefined, after: TaskRecord): string[] {
  if (event.type !== "checkpoint") return [];
  const name = checkpointName(event.taskId, event);
  const kept = after.lastCheckpoint && checkpointName(after.id, after.lastCheckpoint);
  if (kept !== name) return [name];
  const replaced = before?.lastCheckpoint && checkpointName(before.id, before.lastCheckpoint);
  return replaced && replaced !== name ? [replaced] : [];
}
