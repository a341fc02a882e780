import { hostname } from "node:os";
import { resolve } from "node:path";
import { parseGpuIds, parseLabels, parseNetworkModes, type NetworkMode } from "./core/capacity.js";
import { parseAllowedHostPaths } from "./core/mount-policy.js";
import {
  envBool,
  envBytes,
  envDuration,
  envInt,
  envList,
  envListenAddress,
  envNats,
  envNumber,
  envParsed,
  envString,
  envTls,
  InvalidArgumentError,
  NODE_ID,
  POOL_NAME,
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
  /** GPUs offered: the count of `gpuIds` once known (agent.ts detects them when undefined). */
  gpus: number;
  /** TRAINYARD_AGENT_GPU_IDS, or 0..N-1 from TRAINYARD_AGENT_GPUS; undefined: ask nvidia-smi at start. */
  gpuIds: string[] | undefined;
  /** How a task gets its devices: Docker DeviceRequests (NVIDIA container toolkit) or NVIDIA_VISIBLE_DEVICES. */
  gpuMode: "device-requests" | "env";
  /** CPUs and memory placement accounts tasks against (TRAINYARD_AGENT_CPUS, TRAINYARD_AGENT_MEMORY; 0, the default: not accounted, slots and GPUs only). */
  cpus: number;
  memoryBytes: number;
  /** TRAINYARD_AGENT_LABELS: what tasks' node_labels match. */
  labels: Record<string, string>;
  /** TRAINYARD_AGENT_NETWORK_MODES: the network modes tasks may ask for here. */
  networkModes: NetworkMode[];
  logDir: string;
  /** TRAINYARD_AGENT_LOG_RETENTION: task directories under logDir untouched this long are removed. */
  logDirRetentionMs: number;
  logFileMaxBytes: number;
  logFileKeep: number;
  /** Per attempt: frames held while NATS is slow (back-pressure) or unreachable (then dropped, and said so). */
  logBufferBytes: number;
  /** TRAINYARD_ATTEMPT_LOG_MAX_BYTES: an attempt's output past this is kept in the host file only (not published). */
  attemptLogMaxBytes: number;
  /** TRAINYARD_CHECKPOINT_MAX_BYTES: a checkpoint's archive past this is not saved (the attempt runs on, and says so). */
  checkpointMaxBytes: number;
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
  // The host name as one subject token: "gpu1.example.com" → "gpu1-example-com" (unique, as host names are).
  const nodeId = envString(env, "TRAINYARD_AGENT_ID", hostname().replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64));
  if (!NODE_ID.test(nodeId)) {
    throw new InvalidArgumentError("TRAINYARD_AGENT_ID", `${JSON.stringify(nodeId)} must be 1 to 64 letters, digits, "-" or "_" (it ends NATS subjects)`);
  }
  const gpuIds = env.TRAINYARD_AGENT_GPU_IDS?.trim()
    ? envParsed(env, "TRAINYARD_AGENT_GPU_IDS", parseGpuIds)
    : env.TRAINYARD_AGENT_GPUS?.trim()
      ? Array.from({ length: envInt(env, "TRAINYARD_AGENT_GPUS", 0, 0, 64) }, (_, i) => String(i))
      : undefined;
  return {
    nodeId,
    nats: envNats(env),
    grpcAddr: envString(env, "TRAINYARD_AGENT_GRPC_ADDR", "127.0.0.1:50052"),
    metricsAddr: envListenAddress(env, "TRAINYARD_AGENT_METRICS_ADDR", "127.0.0.1:9465"),
    pools: envParsed(env, "TRAINYARD_POOLS", parsePools),
    slots: envInt(env, "TRAINYARD_AGENT_SLOTS", 2, 1, 1024),
    gpus: gpuIds?.length ?? 0,
    gpuIds,
    gpuMode: envParsed(env, "TRAINYARD_AGENT_GPU_MODE", parseGpuMode),
    cpus: envNumber(env, "TRAINYARD_AGENT_CPUS", 0),
    memoryBytes: envBytes(env, "TRAINYARD_AGENT_MEMORY", "0"),
    labels: envParsed(env, "TRAINYARD_AGENT_LABELS", parseLabels),
    networkModes: envParsed(env, "TRAINYARD_AGENT_NETWORK_MODES", parseNetworkModes),
    logDir: resolve(envString(env, "TRAINYARD_LOG_DIR", "./logs")),
    logDirRetentionMs: envDuration(env, "TRAINYARD_AGENT_LOG_RETENTION", "7d"),
    logFileMaxBytes: envInt(env, "TRAINYARD_LOG_FILE_MAX_BYTES", 10 * 1024 * 1024, 1024),
    logFileKeep: envInt(env, "TRAINYARD_LOG_FILE_KEEP", 5, 1, 100),
    logBufferBytes: envInt(env, "TRAINYARD_AGENT_LOG_BUFFER", 8 * 1024 * 1024, 4096),
    attemptLogMaxBytes: envBytes(env, "TRAINYARD_ATTEMPT_LOG_MAX_BYTES", "1g"),
    checkpointMaxBytes: envBytes(env, "TRAINYARD_CHECKPOINT_MAX_BYTES", "8g"),
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

function parseGpuMode(text: string): "device-requests" | "env" {
  if (text === "" || text === "device-requests") return "device-requests";
  if (text === "env") return "env";
  throw new Error(`${JSON.stringify(text)} is not device-requests or env`);
}

function parsePools(text: string): string[] {
  const pools = text.split(",").map((p) => p.trim()).filter(Boolean);
  const bad = pools.find((p) => !POOL_NAME.test(p));
  if (bad !== undefined) throw new Error(`${JSON.stringify(bad)} is not a pool name (1 to 64 letters, digits, "_" or "-")`);
  return pools.length ? [...new Set(pools)] : ["default"];
}
