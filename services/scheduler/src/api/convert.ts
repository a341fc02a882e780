/** Domain records ⇄ trainyard.v1 messages. The only place that knows both shapes. */
import { create } from "@bufbuild/protobuf";
import { durationFromMs, TimestampSchema, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  AttemptSchema,
  DependencyCondition,
  FailureReason as PbFailureReason,
  LogFrameSchema,
  LogStream,
  MountType,
  NetworkMode,
  TaskEventSchema,
  TaskSchema,
  TaskState as PbTaskState,
  type TaskEvent as PbTaskEvent,
  type Attempt as PbAttempt,
  type LogFrame as PbLogFrame,
  type Task,
} from "@trainyard/client";
import { namespaceOf, priorityOf, type Attempt, type FailureReason, type LogFrame, type TaskEvent, type TaskRecord, type TaskState } from "@trainyard/common";
import { DEFAULT_MAX_INFRA_RETRIES } from "../core/retry.js";

const STATE: Record<TaskState, PbTaskState> = {
  PENDING: PbTaskState.PENDING,
  RUNNING: PbTaskState.RUNNING,
  SUCCEEDED: PbTaskState.SUCCEEDED,
  FAILED: PbTaskState.FAILED,
  CANCELLED: PbTaskState.CANCELLED,
};

const STATE_FROM_PB = new Map<PbTaskState, TaskState>(Object.entries(STATE).map(([k, v]) => [v, k as TaskState]));

const REASON: Record<FailureReason, PbFailureReason> = {
  EXIT_CODE: PbFailureReason.EXIT_CODE,
  OOM_KILLED: PbFailureReason.OOM_KILLED,
  TIMEOUT: PbFailureReason.TIMEOUT,
  CANCELLED: PbFailureReason.CANCELLED,
  NODE_LOST: PbFailureReason.NODE_LOST,
  IMAGE_UNAVAILABLE: PbFailureReason.IMAGE_UNAVAILABLE,
  CONTAINER_ERROR: PbFailureReason.CONTAINER_ERROR,
  PREEMPTED: PbFailureReason.PREEMPTED,
  DEPENDENCY_FAILED: PbFailureReason.DEPENDENCY_FAILED,
};

const CONDITION = { SUCCEEDED: DependencyCondition.SUCCEEDED, FINISHED: DependencyCondition.FINISHED, FAILED: DependencyCondition.FAILED } as const;

const NETWORK = { none: NetworkMode.NONE, host: NetworkMode.HOST, bridge: NetworkMode.BRIDGE } as const;

const LOG_STREAM = { stdout: LogStream.STDOUT, stderr: LogStream.STDERR, system: LogStream.SYSTEM } as const;

export function stateFromProto(s: PbTaskState): TaskState | undefined {
  return STATE_FROM_PB.get(s);
}

export function taskToProto(t: TaskRecord): Task {
  const s = t.spec;
  return create(TaskSchema, {
    id: t.id,
    spec: {
      image: s.image,
      command: s.command,
      env: s.env,
      resources: { cpus: s.resources.cpus, memoryBytes: BigInt(s.resources.memoryBytes), gpus: s.resources.gpus },
      retry: {
        maxRetries: s.retry.maxRetries,
        delay: durationFromMs(s.retry.delayMs),
        backoffMultiplier: s.retry.backoffMultiplier ?? 1,
        ...(s.retry.maxDelayMs ? { maxDelay: durationFromMs(s.retry.maxDelayMs) } : {}),
        nonRetryableExitCodes: s.retry.nonRetryableExitCodes ?? [],
        retryOnTimeout: s.retry.retryOnTimeout ?? false,
        maxInfrastructureRetries: s.retry.maxInfraRetries ?? DEFAULT_MAX_INFRA_RETRIES,
      },
      ...(s.timeoutMs ? { timeout: durationFromMs(s.timeoutMs) } : {}),
      labels: s.labels,
      pool: s.pool,
      stopGracePeriod: durationFromMs(s.stopGraceMs),
      user: s.user ?? "",
      readOnlyRootfs: s.readOnlyRootfs ?? false,
      priority: priorityOf(s),
      preemptible: s.preemptible ?? false,
      network: NETWORK[s.network ?? "none"],
      nodeLabels: s.nodeLabels ?? {},
      dependsOn: (s.dependsOn ?? []).map((d) => ({ taskId: d.taskId, condition: CONDITION[d.condition] })),
      ...(s.checkpoint ? { checkpoint: { path: s.checkpoint.path, interval: durationFromMs(s.checkpoint.intervalMs) } } : {}),
      mounts: (s.mounts ?? []).map((m) => ({
        type: m.type === "volume" ? MountType.VOLUME : MountType.BIND,
        source: m.source,
        target: m.target,
        readOnly: m.readOnly,
      })),
    },
    state: STATE[t.state],
    attempts: t.attempts.map(attemptToProto),
    failureReason: t.failureReason ? REASON[t.failureReason] : PbFailureReason.UNSPECIFIED,
    exitCode: t.exitCode ?? 0,
    message: t.message,
    createTime: ts(t.createTime),
    startTime: ts(t.startTime),
    endTime: ts(t.endTime),
    idempotencyKey: t.idempotencyKey ?? "",
    namespace: namespaceOf(t),
    createdBy: t.createdBy ?? "",
    ...(t.array ? { arrayId: t.array.id, arrayIndex: t.array.index } : {}),
    ...(t.lastCheckpoint
      ? { lastCheckpoint: { time: ts(t.lastCheckpoint.time), attempt: t.lastCheckpoint.attempt, sizeBytes: BigInt(t.lastCheckpoint.sizeBytes), digest: t.lastCheckpoint.digest } }
      : {}),
  });
}

function attemptToProto(a: Attempt): PbAttempt {
  return create(AttemptSchema, {
    number: a.number,
    nodeId: a.nodeId ?? "",
    containerId: a.containerId ?? "",
    state: STATE[a.state],
    exitCode: a.exitCode ?? 0,
    failureReason: a.failureReason ? REASON[a.failureReason] : PbFailureReason.UNSPECIFIED,
    message: a.message ?? "",
    startTime: ts(a.startTime),
    endTime: ts(a.endTime),
    notBefore: ts(a.notBefore),
    dispatchTime: ts(a.dispatchTime),
    gpuIds: a.gpuIds ?? [],
  });
}

export function eventToProto(e: TaskEvent): PbTaskEvent {
  return create(TaskEventSchema, { time: ts(e.time), type: e.type, attempt: e.attempt, nodeId: e.nodeId ?? "", message: e.message, principal: e.principal ?? "" });
}

export function frameToProto(f: LogFrame): PbLogFrame {
  return create(LogFrameSchema, {
    seq: BigInt(f.seq),
    attempt: f.attempt,
    stream: LOG_STREAM[f.stream],
    time: ts(f.time),
    data: f.data,
  });
}

/** Epoch milliseconds (fractions kept to the nanosecond) → Timestamp; undefined stays unset. */
export function ts(ms: number | undefined): Timestamp | undefined {
  if (ms === undefined) return undefined;
  const seconds = Math.floor(ms / 1000);
  return create(TimestampSchema, { seconds: BigInt(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) % 1e9 });
}
