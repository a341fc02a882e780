/**
 * What each NATS user of Trainyard may publish and subscribe to. Pure; rendered into a
 * nats-server configuration by server-conf.ts. Deny by default: a user gets only these.
 *
 * - The scheduler owns the streams and buckets (creates and updates them), writes task records,
 *   dispatches, and publishes its own log lines (trainyard.logs.<task>.s).
 * - An agent publishes only on subjects that end with its node id (events, log frames), writes
 *   only its own heartbeat (nodes bucket) and its own claims, reads task records, claims and its own log's end,
 *   and pulls the work placed on it from its node's consumer. It cannot write task records, dispatch, publish
 *   another node's events or frames or the scheduler's lines, or create, change or delete a
 *   stream, bucket or consumer.
 * - Every client reads replies on its own inbox prefix (names.ts) only.
 *
 * The JetStream API subjects are those nats.js v3 uses against nats-server 2.9 and later
 * (test/nats-permissions.test.ts runs a task end to end and finds no permission violation).
 */
import { CHECKPOINT_STREAM, checkpointSubjects } from "../checkpoint-store.js";
import { agentInbox, BUCKET, nodeConsumer, SCHEDULER_CONSUMER, SCHEDULER_INBOX, STREAM, SUBJECT_PREFIX } from "../names.js";

export interface Permissions {
  publish: string[];
  subscribe: string[];
}

const kvStream = (bucket: string) => `KV_${bucket}`;

export function schedulerPermissions(): Permissions {
  return {
    publish: [
      "$JS.API.>", // streams, buckets and consumers: the scheduler sets them up
      `$JS.ACK.${STREAM.events}.${SCHEDULER_CONSUMER}.>`,
      "$JS.FC.>",
      `$KV.${BUCKET.tasks}.>`,
      `$KV.${BUCKET.idempotency}.>`,
      `$KV.${BUCKET.leases}.>`,
      `$KV.${BUCKET.drains}.>`,
      `${SUBJECT_PREFIX}.dispatch.>`,
      `${SUBJECT_PREFIX}.logs.*.s`,
    ],
    subscribe: [`${SCHEDULER_INBOX}.>`],
  };
}

export function agentPermissions(nodeId: string): Permissions {
  const api = "$JS.API";
  const reads = [STREAM.logs, kvStream(BUCKET.tasks), kvStream(BUCKET.claims), kvStream(BUCKET.nodes), CHECKPOINT_STREAM];
  return {
    publish: [
      `${SUBJECT_PREFIX}.events.*.${nodeId}`,
      `${SUBJECT_PREFIX}.logs.*.*.${nodeId}`,
      `$KV.${BUCKET.claims}.*.*.${nodeId}`,
      `$KV.${BUCKET.nodes}.${nodeId}`,
      // Saves (checkpoint-store.ts): chunks and metas of any name. What is restored is checked
      // against the digest the scheduler recorded from the attempt's holder, not trusted.
      ...checkpointSubjects,
      `${api}.INFO`,
      `${api}.STREAM.INFO.*`,
      ...reads.map((s) => `${api}.STREAM.MSG.GET.${s}`),
      `${api}.DIRECT.GET.${CHECKPOINT_STREAM}`, // a save's chunks (checkpoint-store.ts)
      // No consumer is created: a consumer's delivery subject is not checked against its
      // creator's rights. The scheduler makes each node's consumer; records are polled.
      ...[`${STREAM.dispatch}.${nodeConsumer(nodeId)}`].flatMap((c) => [`${api}.CONSUMER.INFO.${c}`, `${api}.CONSUMER.MSG.NEXT.${c}`, `$JS.ACK.${c}.>`]),
    ],
    subscribe: [`${agentInbox(nodeId)}.>`],
  };
}
