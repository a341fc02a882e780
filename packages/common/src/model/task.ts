/**
 * The task record: Trainyard's source of truth, stored as JSON in the KV bucket "tasks" under
 * the task id and written only by the scheduler (compare-and-set on the KV revision).
 * Plain data, times in epoch milliseconds. The gRPC API maps it to trainyard.v1.Task.
 *
 *   PENDING ──claim──▶ RUNNING ──exit 0──▶ SUCCEEDED
 *      │  ▲              │ ├──failure, retries left──▶ PENDING (attempt n+1, after the delay)
 *      │  └──────────────┘ ├──failure, no retries left──▶ FAILED
 *      └──cancel──▶ CANCELLED ◀──cancelled by the agent──┘
 */
export type TaskState = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

export type FailureReason =
  | "EXIT_CODE"
  | "OOM_KILLED"
  | "TIMEOUT"
  | "CANCELLED"
  | "NODE_LOST"
  | "IMAGE_UNAVAILABLE"
  | "CONTAINER_ERROR"
  /** Stopped to make room for a task of higher priority (spends the infrastructure budget). */
  | "PREEMPTED"
  /** A dependency's condition can never hold (the scheduler's; never an agent's outcome). */
  | "DEPENDENCY_FAILED";

/** What a dependent task needs of its parent: SUCCEEDED, FINISHED (any final state), FAILED. */
export type DependencyCondition = "SUCCEEDED" | "FINISHED" | "FAILED";

export interface Dependency {
  taskId: string;
  condition: DependencyCondition;
}

/** A task container's network: "none" unless the agent allows more (TRAINYARD_AGENT_NETWORK_MODES). */
export type NetworkMode = "none" | "host" | "bridge";

/** Unset TaskSpec.priority. */
export const DEFAULT_PRIORITY = 50;

export interface Resources {
  /** CPU cores; 0: no limit. */
  cpus: number;
  /** Bytes; 0: no limit. */
  memoryBytes: number;
  gpus: number;
}

export interface RetryPolicy {
  /** Retries after failures of the task itself (exit code, OOM kill, timeout). */
  maxRetries: number;
  delayMs: number;
  /** 1: a fixed delay. */
  backoffMultiplier?: number;
  /** 0: no cap. */
  maxDelayMs?: number;
  nonRetryableExitCodes?: number[];
  retryOnTimeout?: boolean;
  /** Retries after infrastructure failures (node lost, container error, transient pull failure). */
  maxInfraRetries?: number;
}

/**
 * A mount of the task's container. "volume": a named Docker volume (created on the host when
 * missing); "bind": an absolute host path, which agents allow only under
 * TRAINYARD_ALLOWED_HOST_PATHS. Targets are absolute, normalized, distinct, never "/".
 */
export interface Mount {
  type: "volume" | "bind";
  source: string;
  target: string;
  readOnly: boolean;
}

/** Whose failure an attempt's end was: it decides which retry budget it spends. */
export type RetryClass = "task" | "infra";

/** A validated spec with every default resolved (see the scheduler's core/spec.ts). */
export interface TaskSpec {
  image: string;
  command: string[];
  env: Record<string, string>;
  resources: Resources;
  retry: RetryPolicy;
  /** 0: no timeout. */
  timeoutMs: number;
  labels: Record<string, string>;
  pool: string;
  stopGraceMs: number;
  /** Absent in records stored before mounts existed: none. */
  mounts?: Mount[];
  /** "uid" or "uid:gid"; absent: the image's user. */
  user?: string;
  /** Root filesystem read-only (a writable tmpfs on /tmp). */
  readOnlyRootfs?: boolean;
  /** 1–100, higher first; absent in records from before placement: DEFAULT_PRIORITY. */
  priority?: number;
  /** May be stopped to make room for a task of higher priority. */
  preemptible?: boolean;
  /** Absent: "none". */
  network?: NetworkMode;
  /** Every pair must be among the node's labels. */
  nodeLabels?: Record<string, string>;
  /** Tasks this one waits for (absent: none). */
  dependsOn?: Dependency[];
  /** A directory saved to the object store every `intervalMs` and at the attempt's end, restored before later attempts. */
  checkpoint?: CheckpointSpec;
}

export interface CheckpointSpec {
  /** Absolute, normalized, not "/" (TRAINYARD_CHECKPOINT_DIR in the container). */
  path: string;
  intervalMs: number;
}

/** Unset Checkpoint.interval. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000;

/**
 * A complete save: object `checkpointName(task, attempt, time)` of the checkpoints store, whose
 * tar archive has `sizeBytes` and `digest` ("SHA-256=" base64url). Recorded only from the attempt
 * that holds the task, so a fenced attempt's late save is never the one restored.
 */
export interface CheckpointInfo {
  attempt: number;
  /** When the agent began the save (its clock, epoch ms); also the save's name. */
  time: number;
  sizeBytes: number;
  digest: string;
}

/** The object a save is stored under: one per save, never overwritten. */
export function checkpointName(taskId: string, c: Pick<CheckpointInfo, "attempt" | "time">): string {
  return `${taskId}.${c.attempt}.${c.time}`;
}

export interface Attempt {
  number: number;
  state: TaskState;
  /** Not dispatched before this time (the retry delay). */
  notBefore: number;
  dispatchTime?: number;
  /** Stream sequence of the dispatch message (gone from the work queue once an agent acked it). */
  dispatchSeq?: number;
  /** How often this attempt was dispatched (more than once when a dispatch was lost). */
  dispatches?: number;
  /** The node the placer put the attempt on (before an agent claims it), with its epoch and time. */
  placedOn?: string;
  placeEpoch?: number;
  placeTime?: number;
  /** The GPU devices placed for the attempt (Docker DeviceIDs / NVIDIA_VISIBLE_DEVICES). */
  gpuIds?: string[];
  /** A node where running attempts were preempted for this one: the room there is kept for it. */
  reservedOn?: string;
  nodeId?: string;
  claimTime?: number;
  containerId?: string;
  startTime?: number;
  endTime?: number;
  exitCode?: number;
  failureReason?: FailureReason;
  message?: string;
  /** Set when the attempt failed: which retry budget the failure spent. */
  retryClass?: RetryClass;
  /**
   * LOGS seq of the SYSTEM line that declared this attempt lost (NODE_LOST by lease). Frames
   * of the attempt stored after it come from a fenced agent and are not shown.
   */
  fenceSeq?: number;
}

export interface TaskRecord {
  id: string;
  spec: TaskSpec;
  state: TaskState;
  /** Oldest first; the last one is the current attempt. Never empty. */
  attempts: Attempt[];
  failureReason?: FailureReason;
  exitCode?: number;
  message: string;
  createTime: number;
  startTime?: number;
  endTime?: number;
  idempotencyKey?: string;
  /** The submitter's namespace; absent in records stored before namespaces existed: "default". */
  namespace?: string;
  /** The name of the token that submitted the task. */
  createdBy?: string;
  /** Set when a cancel was asked while the task was running; the agent acts on it. */
  cancel?: { reason: string; time: number };
  /**
   * Set when the placer stops the running attempt (`attempt`) to make room for `forTaskId`, or
   * when its node's drain deadline passed; the agent acts on it. Gone with the attempt.
   */
  stop?: { attempt: number; time: number } & ({ kind: "preempted"; forTaskId: string } | { kind: "drain" });
  /** A task of an array (SubmitArray): the array, this task's place in it (from 0), its size and max_parallel (0: no limit). */
  array?: { id: string; index: number; count: number; maxParallel: number };
  /** When every dependency's condition held: from then on the task is placed like any other. */
  depsMet?: number;
  /** The newest complete checkpoint (spec.checkpoint): restored before the next attempt starts. */
  lastCheckpoint?: CheckpointInfo;
  /** What happened to the task, oldest first (append-only; at most MAX_HISTORY entries and MAX_HISTORY_BYTES, the oldest dropped beyond). */
  history?: TaskEvent[];
}

export interface TaskEvent {
  time: number;
  type: string;
  attempt: number;
  nodeId?: string;
  message: string;
  /** Who asked for it, when a caller did (submit, cancel). */
  principal?: string;
}

export const MAX_HISTORY = 2_000;
/** The history's JSON at most (bytes): the oldest entries go first beyond it. */
export const MAX_HISTORY_BYTES = 128 * 1024;

export const FINAL_STATES: ReadonlySet<TaskState> = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);

/** The namespace a task belongs to. */
export function namespaceOf(task: TaskRecord): string {
  return task.namespace ?? "default";
}

export function priorityOf(spec: TaskSpec): number {
  return spec.priority ?? DEFAULT_PRIORITY;
}

export function isFinal(state: TaskState): boolean {
  return FINAL_STATES.has(state);
}

export function currentAttempt(task: TaskRecord): Attempt {
  const a = task.attempts[task.attempts.length - 1];
  if (!a) throw new Error(`task ${task.id} has no attempts`);
  return a;
}
