import { nanos, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { CHECKPOINT_STREAM, checkpointSubjects } from "./checkpoint-store.js";
import { BUCKET, LEASE_TTL_MS, SCHEDULER_CONSUMER, STREAM, SUBJECT_PREFIX, nodeConsumer, nodeDispatchSubject } from "./names.js";

export interface InfraOptions {
  /** Stream and bucket replicas (1 for one server; 3 on a cluster). */
  replicas: number;
  /** How long log frames are kept. */
  logRetentionMs: number;
  /**
   * Cap on the LOGS stream; oldest frames go first. -1: none. Undefined: the largest of
   * LOG_CAPS that nats-server can reserve (a capped stream reserves its size on the server).
   */
  logMaxBytes?: number;
  /** Cap on the checkpoints object store (saves are deleted when superseded and with their task); -1 or undefined: none. */
  checkpointMaxBytes?: number;
}

export interface Infra {
  tasks: KV;
  claims: KV;
  idempotency: KV;
  nodes: KV;
  leases: KV;
  drains: KV;
}

const DAY = 86_400_000;

/** JetStream API error codes nats.js does not name (its JetStreamApiCodes has the common ones). */
const STREAM_NAME_IN_USE = 10058;
const CONSUMER_EXISTS = 10148;

/**
 * Creates Trainyard's streams and buckets when they are missing and brings their mutable
 * settings in line with `opts`. Safe to run concurrently from every replica and agent.
 */
export async function ensureInfrastructure(nc: NatsConnection, opts: InfraOptions): Promise<Infra> {
  const jsm = await jetstreamManager(nc);
  const common = { storage: StorageType.File, num_replicas: opts.replicas };
  await ensureStream(jsm, {
    ...common,
    name: STREAM.dispatch,
    subjects: [`${SUBJECT_PREFIX}.dispatch.>`],
    retention: RetentionPolicy.Workqueue,
    duplicate_window: nanos(10 * 60_000),
  });
  await ensureStream(jsm, {
    ...common,
    name: STREAM.events,
    subjects: [`${SUBJECT_PREFIX}.events.>`],
    retention: RetentionPolicy.Workqueue,
    duplicate_window: nanos(10 * 60_000),
  });
  const kvm = new Kvm(nc);
  // No direct gets: on a replicated bucket they may be answered by a lagging follower, and
  // agents and replicas decide on what they read (claims, CAS). Reads go to the leader.
  const kvOpts = { replicas: opts.replicas, storage: StorageType.File, allow_direct: false };
  const bucket = (name: string, o: { history: number; ttl?: number; max_bytes: number }) => ensureBucket(jsm, kvm, name, { ...kvOpts, ...o });
  // The small buckets first (each reserves its cap), then the LOGS stream takes what the server can reserve.
  const claims = await bucket(BUCKET.claims, { history: 1, ttl: 30 * DAY, max_bytes: BUCKET_CAPS.claims });
  const idempotency = await bucket(BUCKET.idempotency, { history: 1, ttl: 30 * DAY, max_bytes: BUCKET_CAPS.idempotency });
  const nodes = await bucket(BUCKET.nodes, { history: 1, ttl: 7 * DAY, max_bytes: BUCKET_CAPS.nodes });
  const leases = await bucket(BUCKET.leases, { history: 1, ttl: LEASE_TTL_MS, max_bytes: BUCKET_CAPS.leases });
  const drains = await bucket(BUCKET.drains, { history: 1, max_bytes: BUCKET_CAPS.drains });
  // One revision a task: the record is rewritten on every change and nothing reads old ones.
  // No cap in NATS: with one, a waiting task's record vanished from a full bucket in
  // test/tasks-cap.test.ts, by a path of nats-server's not pinned down (docs/operations.md#sizes).
  // The scheduler bounds it instead (TRAINYARD_TASKS_MAX_BYTES, core/retention.ts).
  const tasks = await bucket(BUCKET.tasks, { history: 1, max_bytes: -1 });
  const logs = (maxBytes: number) =>
    ensureStream(jsm, {
      ...common,
      name: STREAM.logs,
      subjects: [`${SUBJECT_PREFIX}.logs.>`],
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(opts.logRetentionMs),
      max_bytes: maxBytes,
      duplicate_window: nanos(2 * 60_000),
    });
  // The object store's own layout (nats.js's ObjectStore). Direct gets on: chunks never change
  // once stored, and metas are read from the leader (checkpoint-store.ts).
  await ensureStream(jsm, {
    ...common,
    name: CHECKPOINT_STREAM,
    subjects: checkpointSubjects,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    allow_rollup_hdrs: false,
    allow_direct: true,
    max_bytes: opts.checkpointMaxBytes ?? -1,
  });
  if (opts.logMaxBytes !== undefined) await logs(opts.logMaxBytes);
  else await firstThatFits(LOG_CAPS.length, (level) => logs(LOG_CAPS[level]!));
  await ensureConsumer(jsm, STREAM.events, {
    durable_name: SCHEDULER_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(30_000),
    max_deliver: -1,
    max_ack_pending: 1_000,
  });
  return { tasks, claims, idempotency, nodes, leases, drains };
}

/**
 * Opens bucket `name`, creating it when missing, and brings its size cap and history in line
 * with `o` (nats.js opens an existing bucket as it is). A full bucket refuses new keys' writes.
 */
async function ensureBucket(jsm: Jsm, kvm: Kvm, name: string, o: Parameters<Kvm["create"]>[1] & { history: number; max_bytes: number }): Promise<KV> {
  const kv = await kvm.create(name, o);
  const stream = `KV_${name}`;
  const { config, state } = await jsm.streams.info(stream);
  // A bucket already holding more than the new cap leaves room is left uncapped rather than
  // shrunk under its data (set the cap explicitly once retention has made room).
  const room = o.max_bytes <= 0 || state.bytes <= o.max_bytes * 0.7;
  const maxBytes = room ? o.max_bytes : config.max_bytes;
  if (config.max_bytes !== maxBytes || config.max_msgs_per_subject !== o.history) {
    await jsm.streams.update(stream, { ...config, max_bytes: maxBytes, max_msgs_per_subject: o.history });
  }
  return kv;
}

/** Thrown by openInfrastructure while a stream or bucket does not exist yet. */
export class InfrastructureMissingError extends Error {
  constructor(readonly stream: string) {
    super(`stream ${stream} does not exist yet (the scheduler creates it)`);
    this.name = "InfrastructureMissingError";
  }
}

/**
 * The buckets, for an agent: it never creates or changes streams and buckets (its NATS user
 * may not; the scheduler owns them), it checks that they exist. Throws
 * InfrastructureMissingError when one does not exist yet.
 */
export async function openInfrastructure(nc: NatsConnection): Promise<Infra> {
  const jsm = await jetstreamManager(nc);
  const kvm = new Kvm(nc);
  for (const stream of [STREAM.dispatch, STREAM.events, STREAM.logs, CHECKPOINT_STREAM, ...Object.values(BUCKET).map((b) => `KV_${b}`)]) {
    await jsm.streams.info(stream).catch((err: unknown) => {
      throw err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound ? new InfrastructureMissingError(stream) : err;
    });
  }
  const open = (name: string) => kvm.open(name, { allow_direct: false });
  return {
    tasks: await open(BUCKET.tasks),
    claims: await open(BUCKET.claims),
    idempotency: await open(BUCKET.idempotency),
    nodes: await open(BUCKET.nodes),
    drains: await open(BUCKET.drains),
    leases: await open(BUCKET.leases),
  };
}

/** The LOGS stream's default caps, largest first: the first nats-server can reserve is taken. */
export const LOG_CAPS = [8, 4, 2, 1, 0.5].map((gib) => gib * 2 ** 30);
const MIB = 2 ** 20;
/**
 * The small buckets' caps: many times what they hold on a busy fleet, small next to the disk.
 * Their keys are written once (claims, idempotency keys) or rewritten at about the same size.
 */
export const BUCKET_CAPS = { claims: 128 * MIB, idempotency: 64 * MIB, nodes: 16 * MIB, leases: 1 * MIB, drains: 4 * MIB };

/** JetStream's answers when a stream's max_bytes cannot be reserved. */
const NO_ROOM = new Set([10023 /* insufficient resources */, 10047 /* insufficient storage resources available */]);

/** make(0), make(1), ... until one is not refused for room; the last refusal is thrown. */
async function firstThatFits<T>(levels: number, make: (level: number) => Promise<T>): Promise<T> {
  for (let level = 0; ; level++) {
    try {
      return await make(level);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && NO_ROOM.has(err.code)) || level === levels - 1) throw err;
    }
  }
}

/** How long a dispatch message may stay unacknowledged before another agent gets it. */
export const DISPATCH_ACK_WAIT_MS = 30_000;

/**
 * The durable consumer of the attempts placed on `nodeId`. The scheduler creates it (for the
 * nodes that heartbeat); the agent only pulls from it: agents' NATS users may not create consumers.
 */
export async function ensureNodeConsumer(nc: NatsConnection, nodeId: string, ackWaitMs = DISPATCH_ACK_WAIT_MS): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await ensureConsumer(jsm, STREAM.dispatch, {
    durable_name: nodeConsumer(nodeId),
    filter_subject: nodeDispatchSubject(nodeId),
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWaitMs),
    max_deliver: -1,
    max_ack_pending: 1_000,
  });
}

type Jsm = Awaited<ReturnType<typeof jetstreamManager>>;

async function ensureStream(jsm: Jsm, cfg: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.add(cfg);
  } catch (err) {
    // A stream with that name and a different configuration exists: update it.
    if (err instanceof JetStreamApiError && err.code === STREAM_NAME_IN_USE) {
      await jsm.streams.update(cfg.name, cfg);
      return;
    }
    throw err;
  }
}

async function ensureConsumer(
  jsm: Jsm,
  stream: string,
  cfg: Parameters<Jsm["consumers"]["add"]>[1] & { durable_name: string },
): Promise<void> {
  try {
    await jsm.consumers.add(stream, cfg);
  } catch (err) {
    // The consumer exists with a different configuration: update it.
    if (err instanceof JetStreamApiError && err.code === CONSUMER_EXISTS) {
      await jsm.consumers.update(stream, cfg.durable_name, cfg);
      return;
    }
    throw err;
  }
}
