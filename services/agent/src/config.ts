import { hostname } from "node:os";
import { resolve } from "node:path";
import { parseAllowedHostPaths } from "./core/mount-policy.js";
import {
  envBool,
  envDuration,
  envInt,
  envList,
  envListenAddress,
  envNats,
  envString,
  envTls,
  InvalidArgumentError,
  NODE_ID,
  type Env,
  type NatsTarget,
  type TlsFiles,
} from "@trainyard/common";

/** Everything the agent reads from its environment, resolved once at start-up. */
export interface AgentConfig {
  nodeId: string;
  /** TRAINYARD_NATS_*: servers, credentials, TLS. */
  nats: NatsTarget;
  grpcAddr: string;
  /** host:port of the /metrics HTTP listener; "" for none; port 0 picks a free one. */
  metricsAddr: string;
  pools: string[];
  slots: number;
  gpus: number;
  logDir: string;
  logFileMaxBytes: number;
  logFileKeep: number;
  /** Per attempt: frames held while NATS is slow (back-pressure) or unreachable (then dropped, and said so). */
  logBufferBytes: number;
  leaseMs: number;
  /** After SIGTERM, how long logs and outcomes of ended attempts are still retried (NATS down). */
  reportGraceMs: number;
  pidsLimit: number;
  /** Host path prefixes tasks may bind-mount (TRAINYARD_ALLOWED_HOST_PATHS); empty: none. */
  allowedHostPaths: string[];
  /** TRAINYARD_AUTH_FILE: with it, AgentService needs an admin token; "" for none (loopback only, unless insecure). */
  authFile: string;
  /** TRAINYARD_INSECURE: listen beyond loopback without an auth file. */
  insecure: boolean;
  /** Largest request message (after decompression). */
  maxMessageBytes: number;
  /** The AgentService port over TLS (mTLS with a client CA); undefined: cleartext. */
  tls: TlsFiles | undefined;
}

export function loadAgentConfig(env: Env = process.env): AgentConfig {
  const nodeId = envString(env, "TRAINYARD_AGENT_ID", hostname().split(".")[0]!);
  if (!NODE_ID.test(nodeId)) {
    throw new InvalidArgumentError("TRAINYARD_AGENT_ID", `${JSON.stringify(nodeId)} must be 1 to 64 letters, digits, "-" or "_" (it ends NATS subjects)`);
  }
  return {
    nodeId,
    nats: envNats(env),
    grpcAddr: envString(env, "TRAINYARD_AGENT_GRPC_ADDR", "127.0.0.1:50052"),
    metricsAddr: envListenAddress(env, "TRAINYARD_AGENT_METRICS_ADDR", "127.0.0.1:9465"),
    pools: envList(env, "TRAINYARD_POOLS", "default"),
    slots: envInt(env, "TRAINYARD_AGENT_SLOTS", 2, 1, 1024),
    gpus: envInt(env, "TRAINYARD_AGENT_GPUS", 0, 0, 64),
    logDir: resolve(envString(env, "TRAINYARD_LOG_DIR", "./logs")),
    logFileMaxBytes: envInt(env, "TRAINYARD_LOG_FILE_MAX_BYTES", 10 * 1024 * 1024, 1024),
    logFileKeep: envInt(env, "TRAINYARD_LOG_FILE_KEEP", 5, 1, 100),
    logBufferBytes: envInt(env, "TRAINYARD_AGENT_LOG_BUFFER", 8 * 1024 * 1024, 4096),
    leaseMs: envDuration(env, "TRAINYARD_AGENT_LEASE", "15s"),
    reportGraceMs: envDuration(env, "TRAINYARD_AGENT_SHUTDOWN_GRACE", "30s"),
    pidsLimit: envInt(env, "TRAINYARD_AGENT_PIDS_LIMIT", 4096, 16),
    allowedHostPaths: parseAllowedHostPaths(env.TRAINYARD_ALLOWED_HOST_PATHS),
    authFile: envString(env, "TRAINYARD_AUTH_FILE", ""),
    insecure: envBool(env, "TRAINYARD_INSECURE", false),
    tls: envTls(env),
    maxMessageBytes: envInt(env, "TRAINYARD_GRPC_MAX_MESSAGE_BYTES", 4 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024),
  };
}
