/**
 * Every name Trainyard uses on NATS, in one place. Streams and buckets are created (or left
 * as they are) by ensureInfrastructure(); both services call it at start-up.
 */
export const STREAM = {
  /** Work queue; one subject per pool; agents pull. */
  dispatch: "DISPATCH",
  /** Work queue; agents publish, the scheduler replicas share one durable consumer. */
  events: "EVENTS",
  /** Limits (retention by age and bytes); frames replayed and followed by StreamLogs. */
  logs: "LOGS",
} as const;

export const BUCKET = {
  /** Task records, key = task id, written only by the scheduler, with CAS. */
  tasks: "tasks",
  /** "<task>.<attempt>" → node id; created once, so exactly one agent runs an attempt. */
  claims: "claims",
  /** sha256(idempotency key) → task id. */
  idempotency: "idempotency",
  /** Node id → the agent's heartbeat (NodeRecord); its KV timestamp is when it was last seen. */
  nodes: "nodes",
} as const;

export const SUBJECT_PREFIX = "trainyard";

export const dispatchSubject = (pool: string) => `${SUBJECT_PREFIX}.dispatch.${pool}`;
export const eventSubject = (taskId: string) => `${SUBJECT_PREFIX}.events.${taskId}`;
/** Every frame of a task: its agents' frames and the scheduler's lines. */
export const taskLogFilter = (taskId: string) => `${SUBJECT_PREFIX}.logs.${taskId}.>`;
/** Frames an agent publishes for one attempt (its last one tells a restarted agent where to resume). */
export const attemptLogSubject = (taskId: string, attempt: number) => `${SUBJECT_PREFIX}.logs.${taskId}.${attempt}`;
/** The scheduler's SYSTEM lines about a task. */
export const schedulerLogSubject = (taskId: string) => `${SUBJECT_PREFIX}.logs.${taskId}.s`;

/** The durable consumer agents of a pool share on DISPATCH. */
export const poolConsumer = (pool: string) => `pool-${pool}`;
/** The durable consumer scheduler replicas share on EVENTS. */
export const SCHEDULER_CONSUMER = "scheduler";

export const claimKey = (taskId: string, attempt: number) => `${taskId}.${attempt}`;
