import { envBool, envBytes, envDuration, envInt, envList, envListenAddress, envNats, envNumber, envParsed, envString, envTls, type Env, type InfraOptions, type NatsTarget, type TlsFiles } from "@trainyard/common";
import { parsePoolLimits, type ResourcePolicy } from "./core/resources.js";

/** Everything the scheduler reads from its environment, resolved once at start-up. */
export interface SchedulerConfig {
  /** TRAINYARD_NATS_*: servers, credentials, TLS. */
  nats: NatsTarget;
  /** host:port; port 0 picks a free one. */
  grpcAddr: string;
  /** host:port of the /metrics HTTP listener; "" for none; port 0 picks a free one. */
  metricsAddr: string;
  /** HTTP/1.1 port for Connect and gRPC-Web (browsers, curl); empty: none. */
  httpAddr: string;
  /** Browser origins allowed to call the HTTP/1.1 port (CORS); "*" for any; empty: none. */
  corsOrigins: string[];
  infra: InfraOptions;
  /** How old a dispatch must be before the scheduler checks it was not lost (and how often it checks). */
  dispatchVerifyMs: number;
  /** Lease assumed for agents that never heartbeated (theirs is in their heartbeat). */
  defaultLeaseMs: number;
  /** TRAINYARD_AUTH_FILE: tokens, roles, namespaces; "" for none (auth off: loopback only, unless insecure). */
  authFile: string;
  /** TRAINYARD_INSECURE: listen beyond loopback without an auth file. */
  insecure: boolean;
  /** Host names the HTTP/1.1 port answers to besides loopback names and its listen host. */
  allowedHosts: string[];
  /** Default CPU and memory limits of tasks, and the most a task of each pool may ask for. */
  resources: ResourcePolicy;
  /** Largest request message (after decompression). */
  maxMessageBytes: number;
  /** Both ports over TLS (mTLS with a client CA); undefined: cleartext. */
  tls: TlsFiles | undefined;
  /** Server-streaming calls (StreamLogs, Watch) one principal may have open at once. */
  maxStreamsPerPrincipal: number;
  /** TRAINYARD_GRPC_COMPRESS_MIN_BYTES: responses at least this large are gzip-compressed for clients that accept it; 0: never. */
  compressMinBytes: number;
  /** TRAINYARD_TASK_RETENTION: final tasks older than this are deleted with their logs, claims and idempotency key. */
  taskRetentionMs: number;
  /**
   * TRAINYARD_TASKS_MAX_BYTES: the task records kept, at most (0: no bound). Near it finished
   * tasks go before their retention, and past 90% of it Submit is refused (core/retention.ts).
   */
  tasksMaxBytes: number;
  /** TRAINYARD_CHECKPOINT_SWEEP: how often saves nobody will restore are looked for, and how old they must be to go. */
  checkpointSweepMs: number;
}

export function loadSchedulerConfig(env: Env = process.env): SchedulerConfig {
  const taskRetentionMs = envDuration(env, "TRAINYARD_TASK_RETENTION", "7d");
  return {
    nats: envNats(env),
    grpcAddr: envString(env, "TRAINYARD_GRPC_ADDR", "127.0.0.1:50051"),
    metricsAddr: envListenAddress(env, "TRAINYARD_METRICS_ADDR", "127.0.0.1:9464"),
    httpAddr: envListenAddress(env, "TRAINYARD_HTTP_ADDR", "127.0.0.1:50053"),
    corsOrigins: envList(env, "TRAINYARD_CORS_ORIGINS", ""),
    dispatchVerifyMs: envDuration(env, "TRAINYARD_DISPATCH_VERIFY", "30s"),
    defaultLeaseMs: envDuration(env, "TRAINYARD_AGENT_LEASE", "15s"),
    authFile: envString(env, "TRAINYARD_AUTH_FILE", ""),
    insecure: envBool(env, "TRAINYARD_INSECURE", false),
    allowedHosts: envList(env, "TRAINYARD_ALLOWED_HOSTS", ""),
    maxMessageBytes: envInt(env, "TRAINYARD_GRPC_MAX_MESSAGE_BYTES", 4 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024),
    tls: envTls(env),
    maxStreamsPerPrincipal: envInt(env, "TRAINYARD_MAX_STREAMS_PER_PRINCIPAL", 256, 1, 100_000),
    taskRetentionMs,
    tasksMaxBytes: envBytes(env, "TRAINYARD_TASKS_MAX_BYTES", "4g"),
    checkpointSweepMs: envDuration(env, "TRAINYARD_CHECKPOINT_SWEEP", "10m"),
    compressMinBytes: envInt(env, "TRAINYARD_GRPC_COMPRESS_MIN_BYTES", 0, 0),
    resources: {
      defaultCpus: envNumber(env, "TRAINYARD_TASK_DEFAULT_CPUS", 2),
      defaultMemoryBytes: envBytes(env, "TRAINYARD_TASK_DEFAULT_MEMORY", "4g"),
      poolLimits: envParsed(env, "TRAINYARD_POOL_LIMITS", parsePoolLimits),
    },
    infra: {
      replicas: envInt(env, "TRAINYARD_NATS_REPLICAS", 1, 1, 5),
      // Frames outlive their task by a day; retention deletes them with it.
      logRetentionMs: env.TRAINYARD_LOG_RETENTION ? envDuration(env, "TRAINYARD_LOG_RETENTION", "7d") : taskRetentionMs + 86_400_000,
      // Unset: the largest of 8, 4, 2, 1 or 0.5 GiB that nats-server can reserve.
      ...(env.TRAINYARD_LOG_MAX_BYTES ? { logMaxBytes: envInt(env, "TRAINYARD_LOG_MAX_BYTES", -1, -1) } : {}),
      // Unset: no cap (a capped stream reserves its size); a save past a cap is refused, and the agent says so.
      ...(env.TRAINYARD_CHECKPOINTS_MAX_BYTES ? { checkpointMaxBytes: envBytes(env, "TRAINYARD_CHECKPOINTS_MAX_BYTES", "0") || -1 } : {}),
    },
  };
}
