/**
 * Turning the CLI's words into requests. Pure: every function returns a value or throws
 * UsageError with a message that names the flag; the program turns UsageError into exit code 2.
 */
import { create } from "@bufbuild/protobuf";
import { durationFromMs, type Duration } from "@bufbuild/protobuf/wkt";
import { SubmitArrayRequestSchema, SubmitRequestSchema, type SubmitArrayRequest, type SubmitRequest } from "../gen/trainyard/v1/scheduler_pb.js";
import { DependencyCondition, NetworkMode, TaskState } from "../gen/trainyard/v1/task_pb.js";
import { durationToMs, parseBytes } from "../units.js";

export class UsageError extends Error {
  override name = "UsageError";
}

export const DEFAULT_ADDR = "127.0.0.1:50051";

/** TRAINYARD_ADDR (or --addr) as a base URL: "host:port", ":port", or an http(s) URL. */
export function resolveAddress(addr: string | undefined): string {
  const a = (addr ?? "").trim() || DEFAULT_ADDR;
  if (/^https?:\/\//i.test(a)) {
    let url: URL;
    try {
      url = new URL(a);
    } catch {
      throw new UsageError(`TRAINYARD_ADDR: ${JSON.stringify(a)} is not a URL`);
    }
    return url.href.replace(/\/$/, "");
  }
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\s]*):(\d{1,5})$/.exec(a);
  if (!m || Number(m[2]) > 65535 || Number(m[2]) === 0) {
    throw new UsageError(`TRAINYARD_ADDR: ${JSON.stringify(a)} is not host:port or an http:// URL`);
  }
  return `http://${m[1] || "127.0.0.1"}:${m[2]}`;
}

/** "K=V" (the value may be empty and may contain "="). */
export function parseKeyValue(text: string, flag: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`${flag}: expected KEY=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** Repeated K=V flags into a record; a later key wins. */
export function keyValues(texts: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of texts) {
    const [k, v] = parseKeyValue(t, flag);
    out[k] = v;
  }
  return out;
}

export function parseMemory(text: string): bigint {
  const bytes = parseBytes(text);
  if (bytes === undefined) throw new UsageError(`--memory: ${JSON.stringify(text)} is not a size (try 512m, 2g, 1.5GiB)`);
  return BigInt(bytes);
}

export function parseDurationFlag(text: string, flag: string): number {
  const ms = durationToMs(text);
  if (ms === undefined) throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a duration (try 30s, 10m, 1h30m)`);
  return ms;
}

/** --since: a duration back from now ("10m", "1h30m") or a time ("2026-12-01T10:00:00Z"). */
export function parseSince(text: string, now: number): Date {
  const ms = durationToMs(text);
  if (ms !== undefined) return new Date(now - ms);
  const at = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) throw new UsageError(`--since: ${JSON.stringify(text)} is neither a duration (10m, 1h30m) nor a time (2026-12-01T10:00:00Z)`);
  return new Date(at);
}

export function parseNumber(text: string, flag: string, o: { integer?: boolean; min?: number } = {}): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || n < (o.min ?? 0)) {
    throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a ${o.integer ? "whole " : ""}number ≥ ${o.min ?? 0}`);
  }
  return n;
}

/** "running", "RUNNING" or "TASK_STATE_RUNNING". */
export function parseState(text: string): TaskState {
  const name = text.trim().toUpperCase().replace(/^TASK_STATE_/, "");
  const v = (TaskState as unknown as Record<string, number>)[name];
  if (v === undefined || v === TaskState.UNSPECIFIED) {
    throw new UsageError(`--state: ${JSON.stringify(text)} is not a state (pending, running, succeeded, failed, cancelled)`);
  }
  return v as TaskState;
}

export interface SubmitFlags {
  image?: string;
  env?: string[];
  cpus?: string;
  gpus?: string;
  memory?: string;
  timeout?: string;
  retries?: string;
  retryDelay?: string;
  label?: string[];
  pool?: string;
  idempotencyKey?: string;
  user?: string;
  readOnly?: boolean;
  priority?: string;
  preemptible?: boolean;
  nodeLabel?: string[];
  network?: string;
  /** "N", "N%P" or "%P" (with --sweep): N tasks of this spec, at most P at once. */
  array?: string;
  /** "KEY=v1,v2,..." (repeatable): one task per combination of the values (cross product). */
  sweep?: string[];
  /** Task ids this one waits for: to succeed, to finish whichever way, to fail. */
  after?: string[];
  afterAny?: string[];
  afterFailed?: string[];
  /** The directory in the container saved every --checkpoint-interval and restored before a retry. */
  checkpoint?: string;
  checkpointInterval?: string;
}

const NETWORK: Record<string, NetworkMode> = { none: NetworkMode.NONE, host: NetworkMode.HOST, bridge: NetworkMode.BRIDGE };

/** The SubmitRequest for `trainyard submit` flags and the command after them. */
export function buildSubmitRequest(f: SubmitFlags, command: string[]): SubmitRequest {
  if (!f.image) throw new UsageError("--image is required");
  const retry = {
    ...(f.retries !== undefined && { maxRetries: parseNumber(f.retries, "--retries", { integer: true }) }),
    ...(f.retryDelay !== undefined && { delay: durationFromMs(parseDurationFlag(f.retryDelay, "--retry-delay")) }),
  };
  return create(SubmitRequestSchema, {
    spec: {
      image: f.image,
      command,
      env: keyValues(f.env ?? [], "--env"),
      labels: keyValues(f.label ?? [], "--label"),
      pool: f.pool ?? "",
      user: f.user ?? "",
      readOnlyRootfs: f.readOnly ?? false,
      priority: f.priority !== undefined ? parseNumber(f.priority, "--priority", { integer: true, min: 1 }) : 0,
      preemptible: f.preemptible ?? false,
      nodeLabels: keyValues(f.nodeLabel ?? [], "--node-label"),
      network: f.network !== undefined ? networkMode(f.network) : NetworkMode.UNSPECIFIED,
      dependsOn: [
        ...(f.after ?? []).map((taskId) => ({ taskId, condition: DependencyCondition.SUCCEEDED })),
        ...(f.afterAny ?? []).map((taskId) => ({ taskId, condition: DependencyCondition.FINISHED })),
        ...(f.afterFailed ?? []).map((taskId) => ({ taskId, condition: DependencyCondition.FAILED })),
      ],
      resources: {
        cpus: f.cpus !== undefined ? parseNumber(f.cpus, "--cpus") : 0,
        memoryBytes: f.memory !== undefined ? parseMemory(f.memory) : 0n,
        gpus: f.gpus !== undefined ? parseNumber(f.gpus, "--gpus", { integer: true }) : 0,
      },
      ...(Object.keys(retry).length > 0 && { retry }),
      ...(f.timeout !== undefined && { timeout: durationFromMs(parseDurationFlag(f.timeout, "--timeout")) }),
      ...checkpointFlags(f),
    },
    idempotencyKey: f.idempotencyKey ?? "",
  });
}

/**
 * spec.checkpoint from --checkpoint and --checkpoint-interval. Only what a flag alone can get
 * wrong is refused here (no path, a relative one); the scheduler validates the rest (normalized,
 * not on a read-only mount, the interval's bounds) and answers INVALID_ARGUMENT naming the field.
 */
function checkpointFlags(f: SubmitFlags): { checkpoint?: { path: string; interval?: Duration } } {
  if (f.checkpoint === undefined) {
    if (f.checkpointInterval !== undefined) throw new UsageError("--checkpoint-interval: only with --checkpoint PATH (the directory to save)");
    return {};
  }
  if (!f.checkpoint.startsWith("/")) throw new UsageError(`--checkpoint: ${JSON.stringify(f.checkpoint)} is not an absolute path in the container (e.g. /ckpt)`);
  const interval = f.checkpointInterval !== undefined ? durationFromMs(parseDurationFlag(f.checkpointInterval, "--checkpoint-interval")) : undefined;
  return { checkpoint: { path: f.checkpoint, ...(interval && { interval }) } };
}

function networkMode(text: string): NetworkMode {
  const m = NETWORK[text];
  if (m === undefined) throw new UsageError(`--network: ${JSON.stringify(text)} is not one of ${Object.keys(NETWORK).join(", ")}`);
  return m;
}

/** The SubmitArrayRequest for `trainyard submit --array N%P` and/or `--sweep K=a,b`, or null for a single task. */
export function buildSubmitArrayRequest(f: SubmitFlags, command: string[]): SubmitArrayRequest | null {
  if (f.array === undefined && !f.sweep?.length) return null;
  const single = buildSubmitRequest(f, command);
  const m = f.array === undefined ? ["", "", ""] : /^(\d*)(?:%(\d+))?$/.exec(f.array.trim());
  if (!m || (f.array !== undefined && !m[1] && !m[2])) throw new UsageError(`--array: ${JSON.stringify(f.array)} is not N, N%P or %P (e.g. 10%3: 10 tasks, at most 3 at once)`);
  const elements = f.sweep?.length ? sweepElements(f.sweep) : [];
  const count = m[1] ? Number(m[1]) : 0;
  if (!elements.length && !count) throw new UsageError("--array: how many tasks? (e.g. --array 10%3, or --sweep KEY=a,b)");
  if (elements.length && count && count !== elements.length) throw new UsageError(`--array: ${count} tasks, but the sweep makes ${elements.length}`);
  return create(SubmitArrayRequestSchema, { spec: single.spec!, count, elements: elements.map((env) => ({ env })), maxParallel: m[2] ? Number(m[2]) : 0, idempotencyKey: single.idempotencyKey });
}

/** --sweep LR=1e-3,3e-4 --sweep BS=32,64: every combination, the first flag varying slowest. */
export function sweepElements(sweeps: string[]): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const text of sweeps) {
    const [key, values] = parseKeyValue(text, "--sweep");
    const list = values.split(",").filter((v) => v !== "");
    if (!list.length) throw new UsageError(`--sweep: ${JSON.stringify(text)} has no values (KEY=a,b,c)`);
    if (out.some((e) => key in e)) throw new UsageError(`--sweep: ${key} is swept twice`);
    out = out.flatMap((e) => list.map((v) => ({ ...e, [key]: v })));
  }
  return out;
}
