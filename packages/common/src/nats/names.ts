/**
 * Every name Trainyard uses on NATS, in one place. Streams and buckets are created (or left
 * as they are) by ensureInfrastructure(); both services call it at start-up.
 */
export const STREAM = {
  /** Work queue; one subject per node (trainyard.dispatch.node.<id>); each agent pulls its own. */
  dispatch: "DISPATCH",
  /** Work queue; agents publish, the scheduler replicas share one durable consumer. */
  events: "EVENTS",
  /** Limits (retention by age and bytes); frames replayed and followed by StreamLogs. */
  logs: "LOGS",
} as const;

export const BUCKET = {
  /** Task records, key = task id, written only by the scheduler, with CAS. */
  tasks: "tasks",
  /** "<task>.<attempt>.<node>": each agent's claim; the first one stored holds the attempt (nats/claims.ts). */
  claims: "claims",
  /** sha256(idempotency key) → task id. */
  idempotency: "idempotency",
  /** Node id → the agent's heartbeat (NodeRecord); its KV timestamp is when it was last seen. */
  nodes: "nodes",
  /** "placer" → which scheduler replica places work; entries expire (LEASE_TTL_MS) unless renewed. */
  leases: "leases",
  /** Node id → DrainRecord: the scheduler places nothing there (DrainNode); deleted by undo. */
  drains: "drains",
} as const;

/** How long a lease in the leases bucket lives without renewal (the bucket's max age). */
export const LEASE_TTL_MS = 10_000;

export const SUBJECT_PREFIX = "trainyard";

/**
 * A node id is one subject token (letters, digits, "-", "_"): agents' subjects end with it, so
 * NATS permissions can keep each agent to its own (scripts/nats-conf.mjs).
 */
export const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A pool name is one subject token too (trainyard.dispatch.<pool>). */
export const POOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const dispatchSubject = (pool: string) => `${SUBJECT_PREFIX}.dispatch.${pool}`;
/** Attempts placed on the node `nodeId` (four tokens: never a pool's subject). */
export const nodeDispatchSubject = (nodeId: string) => `${SUBJECT_PREFIX}.dispatch.node.${nodeId}`;
/** Where the agent `nodeId` reports on `taskId`: the node in the subject is what permissions check. */
export const eventSubject = (taskId: string, nodeId: string) => `${SUBJECT_PREFIX}.events.${taskId}.${nodeId}`;
/** Every frame of a task: its agents' frames and the scheduler's lines. */
export const taskLogFilter = (taskId: string) => `${SUBJECT_PREFIX}.logs.${taskId}.>`;
/** Frames the agent `nodeId` publishes for one attempt (its last one tells a restarted agent where to resume). */
export const attemptLogSubject = (taskId: string, attempt: number, nodeId: string) => `${SUBJECT_PREFIX}.logs.${taskId}.${attempt}.${nodeId}`;
/** The scheduler's SYSTEM lines about a task. */
export const schedulerLogSubject = (taskId: string) => `${SUBJECT_PREFIX}.logs.${taskId}.s`;

/**
 * Task and node of an event's subject. `nodeId` is absent on "trainyard.events.<task>" (before
 * node ids were in subjects; agents may not publish there). Null: not an event subject.
 */
export function parseEventSubject(subject: string): { taskId: string; nodeId?: string } | null {
  const t = subject.split(".");
  if (t[0] !== SUBJECT_PREFIX || t[1] !== "events" || !t[2] || t.length > 4) return null;
  return t.length === 4 ? { taskId: t[2], nodeId: t[3]! } : { taskId: t[2] };
}

/**
 * Who wrote a frame, from its subject: the scheduler ("trainyard.logs.<task>.s"), or an agent's
 * attempt, with the node when the subject names it (not on frames from before node ids were in
 * subjects). Every five-token subject is an agent's (NATS lets an agent publish only those ending
 * with its id): one whose attempt token is not a number gets attempt 0, which nobody holds.
 * Null: not a log subject.
 */
export function parseLogSubject(subject: string): { scheduler: true } | { attempt: number; nodeId?: string } | null {
  const t = subject.split(".");
  if (t[0] !== SUBJECT_PREFIX || t[1] !== "logs" || !t[2] || t.length < 4 || t.length > 5) return null;
  const n = Number(t[3]);
  const attempt = /^[1-9]\d*$/.test(t[3]!) && Number.isSafeInteger(n) ? n : 0;
  if (t.length === 5) return { attempt, nodeId: t[4]! };
  if (t[3] === "s") return { scheduler: true };
  return attempt ? { attempt } : null;
}

/** Where replies to the scheduler's requests go: its NATS user may subscribe to nothing else. */
export const SCHEDULER_INBOX = "_INBOX_scheduler";
/** Where replies to an agent's requests go: its NATS user may subscribe to nothing else. */
export const agentInbox = (nodeId: string) => `_INBOX_node_${nodeId}`;

/** The durable consumer agents of a pool shared on DISPATCH before the scheduler placed work. */
export const poolConsumer = (pool: string) => `pool-${pool}`;
/** The durable consumer of one node's placed attempts on DISPATCH: only that agent pulls from it. */
export const nodeConsumer = (nodeId: string) => `node-${nodeId}`;
/** The durable consumer scheduler replicas share on EVENTS. */
export const SCHEDULER_CONSUMER = "scheduler";

