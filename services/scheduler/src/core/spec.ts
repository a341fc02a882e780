/**
 * Turns a SubmitRequest's spec into a TaskSpec with every default resolved, or throws
 * InvalidArgumentError naming the first bad field (proto field names, dotted).
 * Pure; called by Submit before anything is stored.
 */
import type { Duration } from "@bufbuild/protobuf/wkt";
import { DEFAULT_PRIORITY, InvalidArgumentError, POOL_NAME, type Dependency, type DependencyCondition, type NetworkMode, type TaskSpec } from "@trainyard/common";
import { DependencyCondition as PbCondition, NetworkMode as PbNetworkMode, type SubmitRequest } from "@trainyard/client";
import { ARRAY_LABEL } from "./arrays.js";
import { validateCheckpoint } from "./checkpoint.js";
import { MAX_DEPENDENCIES } from "./dependencies.js";
import { TASK_ID_PATTERN } from "./ids.js";
import { imageReferenceError } from "./image-ref.js";
import { validateMounts } from "./mounts.js";
import { applyResourcePolicy, NO_POLICY, type ResourcePolicy } from "./resources.js";
import { DEFAULT_MAX_INFRA_RETRIES } from "./retry.js";

export const DEFAULTS = {
  maxRetries: 3,
  retryDelayMs: 5_000,
  stopGraceMs: 10_000,
  pool: "default",
} as const;

export const LIMITS = {
  commandArgs: 1_024,
  commandBytes: 256 * 1024,
  envEntries: 512,
  envBytes: 256 * 1024,
  labels: 64,
  labelValue: 256,
  maxCpus: 1_024,
  minMemoryBytes: 6 * 1024 * 1024,
  maxGpus: 64,
  maxRetries: 100,
  maxBackoffMultiplier: 100,
  nonRetryableExitCodes: 256,
  /** The longest a Node timer can wait (2^31 - 1 ms, 24.8 days), rounded down to whole days. */
  maxTimeoutMs: 24 * 86_400_000,
  /** The spec as stored (JSON, escapes included): with the history's and the attempts' room, a record stays far below NATS's 1 MiB. */
  specJsonBytes: 256 * 1024,
  maxDelayMs: 86_400_000,
  maxStopGraceMs: 3_600_000,
  idempotencyKey: 256,
  maxPriority: 100,
} as const;

const NETWORK: Partial<Record<PbNetworkMode, NetworkMode>> = {
  [PbNetworkMode.UNSPECIFIED]: "none",
  [PbNetworkMode.NONE]: "none",
  [PbNetworkMode.HOST]: "host",
  [PbNetworkMode.BRIDGE]: "bridge",
};

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[a-zA-Z0-9](?:[a-zA-Z0-9._/-]{0,126}[a-zA-Z0-9])?$/;
/** Env names Trainyard sets itself (TRAINYARD_TASK_ID, NVIDIA_VISIBLE_DEVICES, ...): a task may not. */
const RESERVED_ENV = /^(TRAINYARD_|NVIDIA_)/;
const USER = /^\d{1,10}(:\d{1,10})?$/;

export function validateSubmit(req: SubmitRequest, policy: ResourcePolicy = NO_POLICY): { spec: TaskSpec; idempotencyKey?: string } {
  const s = req.spec;
  if (!s) throw new InvalidArgumentError("spec", "is required");
  const bad = (field: string, reason: string) => new InvalidArgumentError(`spec.${field}`, reason);

  const imageError = imageReferenceError(s.image);
  if (imageError) throw bad("image", imageError);

  if (s.command.length > LIMITS.commandArgs) throw bad("command", `has more than ${LIMITS.commandArgs} arguments`);
  if (bytesOf(s.command) > LIMITS.commandBytes) throw bad("command", `is larger than ${LIMITS.commandBytes} bytes`);
  if (s.command.some((a) => a.includes("\0"))) throw bad("command", "contains a NUL byte");

  const env = Object.entries(s.env);
  if (env.length > LIMITS.envEntries) throw bad("env", `has more than ${LIMITS.envEntries} entries`);
  for (const [k, v] of env) {
    if (!ENV_KEY.test(k) || k.length > 256) throw bad("env", `${JSON.stringify(k)} is not a valid variable name`);
    if (v.includes("\0")) throw bad("env", `${k} contains a NUL byte`);
    if (RESERVED_ENV.test(k)) throw bad("env", `${k} is reserved (names starting TRAINYARD_ or NVIDIA_ are set by Trainyard)`);
  }
  if (bytesOf(env.flat()) > LIMITS.envBytes) throw bad("env", `is larger than ${LIMITS.envBytes} bytes`);

  const labels = Object.entries(s.labels);
  if (labels.length > LIMITS.labels) throw bad("labels", `has more than ${LIMITS.labels} entries`);
  for (const [k, v] of labels) {
    if (!LABEL_KEY.test(k)) throw bad("labels", `${JSON.stringify(k)} is not a valid label key (letters, digits, . _ / -, at most 128)`);
    if (k === ARRAY_LABEL) throw bad("labels", `${k} is Trainyard's (the array a task belongs to)`);
    if (v.length > LIMITS.labelValue || /[\0-\x1f]/.test(v)) throw bad("labels", `value of ${k} is longer than ${LIMITS.labelValue} characters or has control characters`);
  }

  const pool = s.pool || DEFAULTS.pool;
  if (!POOL_NAME.test(pool)) throw bad("pool", `${JSON.stringify(s.pool)} is not a valid pool name (letters, digits, _ and -, at most 64)`);

  const r = s.resources;
  const cpus = r?.cpus ?? 0;
  if (!Number.isFinite(cpus) || cpus < 0 || cpus > LIMITS.maxCpus) throw bad("resources.cpus", `must be between 0 and ${LIMITS.maxCpus}`);
  const memoryBytes = Number(r?.memoryBytes ?? 0n);
  if (memoryBytes < 0) throw bad("resources.memory_bytes", "must not be negative");
  if (memoryBytes > 0 && memoryBytes < LIMITS.minMemoryBytes) throw bad("resources.memory_bytes", `must be 0 (the default limit) or at least ${LIMITS.minMemoryBytes} (6 MiB)`);
  const gpus = r?.gpus ?? 0;
  if (gpus < 0 || gpus > LIMITS.maxGpus) throw bad("resources.gpus", `must be between 0 and ${LIMITS.maxGpus}`);
  const resources = applyResourcePolicy({ cpus, memoryBytes, gpus }, pool, policy);
  if (s.user && !USER.test(s.user)) throw bad("user", `${JSON.stringify(s.user.slice(0, 40))} is not uid or uid:gid (numbers)`);

  const maxRetries = s.retry?.maxRetries ?? DEFAULTS.maxRetries;
  if (maxRetries < 0 || maxRetries > LIMITS.maxRetries) throw bad("retry.max_retries", `must be between 0 and ${LIMITS.maxRetries}`);
  const delayMs = durationMs(s.retry?.delay, DEFAULTS.retryDelayMs, LIMITS.maxDelayMs, "retry.delay");
  const maxDelayMs = durationMs(s.retry?.maxDelay, 0, LIMITS.maxDelayMs, "retry.max_delay");
  const backoffMultiplier = s.retry?.backoffMultiplier ?? 0;
  if (!Number.isFinite(backoffMultiplier) || backoffMultiplier < 0 || backoffMultiplier > LIMITS.maxBackoffMultiplier || (backoffMultiplier > 0 && backoffMultiplier < 1)) {
    throw bad("retry.backoff_multiplier", `must be 0 (fixed delay) or between 1 and ${LIMITS.maxBackoffMultiplier}`);
  }
  const nonRetryableExitCodes = [...(s.retry?.nonRetryableExitCodes ?? [])];
  if (nonRetryableExitCodes.length > LIMITS.nonRetryableExitCodes) throw bad("retry.non_retryable_exit_codes", `has more than ${LIMITS.nonRetryableExitCodes} entries`);
  if (nonRetryableExitCodes.some((x) => x < -1 || x > 255)) throw bad("retry.non_retryable_exit_codes", "exit codes are between -1 and 255");
  const maxInfraRetries = s.retry?.maxInfrastructureRetries ?? DEFAULT_MAX_INFRA_RETRIES;
  if (maxInfraRetries < 0 || maxInfraRetries > LIMITS.maxRetries) throw bad("retry.max_infrastructure_retries", `must be between 0 and ${LIMITS.maxRetries}`);
  const timeoutMs = durationMs(s.timeout, 0, LIMITS.maxTimeoutMs, "timeout");
  const stopGraceMs = durationMs(s.stopGracePeriod, DEFAULTS.stopGraceMs, LIMITS.maxStopGraceMs, "stop_grace_period");

  const mounts = validateMounts(s.mounts);

  const priority = s.priority || DEFAULT_PRIORITY;
  if (priority < 1 || priority > LIMITS.maxPriority) throw bad("priority", `must be between 1 and ${LIMITS.maxPriority} (0: ${DEFAULT_PRIORITY})`);
  const network = NETWORK[s.network];
  if (!network) throw bad("network", `${s.network} is not a NetworkMode`);
  const nodeLabels = Object.entries(s.nodeLabels);
  if (nodeLabels.length > LIMITS.labels) throw bad("node_labels", `has more than ${LIMITS.labels} entries`);
  for (const [k, v] of nodeLabels) {
    if (!LABEL_KEY.test(k)) throw bad("node_labels", `${JSON.stringify(k)} is not a valid label key (letters, digits, . _ / -, at most 128)`);
    if (v.length > LIMITS.labelValue || /[\0-\x1f,=]/.test(v)) throw bad("node_labels", `value of ${k} is longer than ${LIMITS.labelValue} characters or has control characters, "," or "="`);
  }

  const dependsOn = validateDependencies(s.dependsOn);
  const checkpoint = validateCheckpoint(s.checkpoint, mounts, s.readOnlyRootfs);

  if (req.idempotencyKey.length > LIMITS.idempotencyKey) throw new InvalidArgumentError("idempotency_key", `is longer than ${LIMITS.idempotencyKey} characters`);

  const spec: TaskSpec = {
    image: s.image,
    command: [...s.command],
    env: { ...s.env },
    resources,
    retry: {
      maxRetries,
      delayMs,
      backoffMultiplier: backoffMultiplier || 1,
      maxDelayMs,
      nonRetryableExitCodes,
      retryOnTimeout: s.retry?.retryOnTimeout ?? false,
      maxInfraRetries,
    },
    timeoutMs,
    labels: { ...s.labels },
    pool,
    stopGraceMs,
    ...(mounts.length ? { mounts } : {}),
    ...(s.user ? { user: s.user } : {}),
    ...(s.readOnlyRootfs ? { readOnlyRootfs: true } : {}),
    priority,
    ...(s.preemptible ? { preemptible: true } : {}),
    ...(network !== "none" ? { network } : {}),
    ...(nodeLabels.length ? { nodeLabels: { ...s.nodeLabels } } : {}),
    ...(dependsOn.length ? { dependsOn } : {}),
    ...(checkpoint ? { checkpoint } : {}),
  };
  const stored = Buffer.byteLength(JSON.stringify(spec));
  if (stored > LIMITS.specJsonBytes) throw new InvalidArgumentError("spec", `is ${stored} bytes once stored (JSON), more than ${LIMITS.specJsonBytes}`);
  return req.idempotencyKey ? { spec, idempotencyKey: req.idempotencyKey } : { spec };
}

const CONDITION: Partial<Record<PbCondition, DependencyCondition>> = {
  [PbCondition.UNSPECIFIED]: "SUCCEEDED",
  [PbCondition.SUCCEEDED]: "SUCCEEDED",
  [PbCondition.FINISHED]: "FINISHED",
  [PbCondition.FAILED]: "FAILED",
};

/** Well-formed, at most MAX_DEPENDENCIES, each parent once. Whether the parents exist is Submit's to check. */
function validateDependencies(deps: readonly { taskId: string; condition: PbCondition }[]): Dependency[] {
  if (deps.length > MAX_DEPENDENCIES) throw new InvalidArgumentError("spec.depends_on", `has more than ${MAX_DEPENDENCIES} entries`);
  const seen = new Set<string>();
  return deps.map((d, i) => {
    const field = `spec.depends_on[${i}]`;
    if (!TASK_ID_PATTERN.test(d.taskId)) throw new InvalidArgumentError(`${field}.task_id`, d.taskId ? `${JSON.stringify(d.taskId.slice(0, 140))} is not a task id` : "is required");
    if (seen.has(d.taskId)) throw new InvalidArgumentError(`${field}.task_id`, `${d.taskId} is named twice`);
    seen.add(d.taskId);
    const condition = CONDITION[d.condition];
    if (!condition) throw new InvalidArgumentError(`${field}.condition`, `${d.condition} is not a DependencyCondition`);
    return { taskId: d.taskId, condition };
  });
}

function durationMs(d: Duration | undefined, unset: number, max: number, field: string): number {
  if (!d) return unset;
  if (d.seconds < 0n || d.nanos < 0) throw new InvalidArgumentError(`spec.${field}`, "must not be negative");
  if (d.nanos >= 1e9) throw new InvalidArgumentError(`spec.${field}`, "nanos must be below 1,000,000,000");
  const ms = Number(d.seconds) * 1000 + Math.ceil(d.nanos / 1e6);
  if (ms > max) throw new InvalidArgumentError(`spec.${field}`, `must be at most ${max / 1000}s`);
  return ms;
}

function bytesOf(strings: string[]): number {
  return strings.reduce((n, s) => n + Buffer.byteLength(s), 0);
}
