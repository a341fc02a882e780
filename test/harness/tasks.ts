// Helpers for building task specs and reading logs in tests.
import { create } from "@bufbuild/protobuf";
import { durationFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { DependencyCondition, LogStream, MountType, SubmitRequestSchema, TaskState, type LogFrame, type SchedulerClient, type SubmitRequest, type Task } from "@trainyard/client";
import { TEST_IMAGE } from "./docker.js";

export interface SpecOptions {
  command: string[];
  image?: string;
  maxRetries?: number;
  maxInfraRetries?: number;
  delayMs?: number;
  timeoutMs?: number;
  memoryBytes?: number;
  cpus?: number;
  graceMs?: number;
  labels?: Record<string, string>;
  env?: Record<string, string>;
  pool?: string;
  idempotencyKey?: string;
  mounts?: { type: "volume" | "bind"; source: string; target: string; readOnly?: boolean }[];
  gpus?: number;
  priority?: number;
  preemptible?: boolean;
  nodeLabels?: Record<string, string>;
  dependsOn?: { taskId: string; condition?: DependencyCondition }[];
  checkpoint?: { path: string; intervalMs?: number };
  readOnlyRootfs?: boolean;
}

/** A SubmitRequest for the busybox test image; retries off unless asked for. */
export function spec(o: SpecOptions): SubmitRequest {
  return create(SubmitRequestSchema, {
    spec: {
      image: o.image ?? TEST_IMAGE,
      command: o.command,
      env: o.env ?? {},
      labels: o.labels ?? {},
      pool: o.pool ?? "",
      resources: { cpus: o.cpus ?? 0, memoryBytes: BigInt(o.memoryBytes ?? 0), gpus: o.gpus ?? 0 },
      priority: o.priority ?? 0,
      preemptible: o.preemptible ?? false,
      nodeLabels: o.nodeLabels ?? {},
      dependsOn: (o.dependsOn ?? []).map((d) => ({ taskId: d.taskId, condition: d.condition ?? DependencyCondition.UNSPECIFIED })),
      retry: {
        maxRetries: o.maxRetries ?? 0,
        ...(o.maxInfraRetries !== undefined ? { maxInfrastructureRetries: o.maxInfraRetries } : {}),
        ...(o.delayMs !== undefined ? { delay: durationFromMs(o.delayMs) } : {}),
      },
      ...(o.timeoutMs ? { timeout: durationFromMs(o.timeoutMs) } : {}),
      ...(o.checkpoint ? { checkpoint: { path: o.checkpoint.path, ...(o.checkpoint.intervalMs ? { interval: durationFromMs(o.checkpoint.intervalMs) } : {}) } } : {}),
      readOnlyRootfs: o.readOnlyRootfs ?? false,
      ...(o.graceMs !== undefined ? { stopGracePeriod: durationFromMs(o.graceMs) } : {}),
      mounts: (o.mounts ?? []).map((m) => ({
        type: m.type === "volume" ? MountType.VOLUME : MountType.BIND,
        source: m.source,
        target: m.target,
        readOnly: m.readOnly ?? false,
      })),
    },
    idempotencyKey: o.idempotencyKey ?? "",
  });
}

export const sh = (script: string) => ["sh", "-c", script];

/** Every frame of a task's log (no follow), optionally after a seq. */
export async function readLog(
  client: SchedulerClient,
  taskId: string,
  o: { afterSeq?: bigint; follow?: boolean; tailLines?: number; attempt?: number; since?: Timestamp; signal?: AbortSignal } = {},
): Promise<LogFrame[]> {
  const frames: LogFrame[] = [];
  for await (const r of client.streamLogs(
    { taskId, afterSeq: o.afterSeq ?? 0n, follow: o.follow ?? false, tailLines: o.tailLines ?? 0, attempt: o.attempt ?? 0, ...(o.since && { since: o.since }) },
    o.signal ? { signal: o.signal } : {},
  )) {
    frames.push(...r.frames);
  }
  return frames;
}

const decoder = new TextDecoder();

/** The text of one stream (or all) of a list of frames. */
export function text(frames: LogFrame[], stream?: LogStream): string {
  return frames
    .filter((f) => stream === undefined || f.stream === stream)
    .map((f) => decoder.decode(f.data))
    .join("");
}

/** A Timestamp as epoch milliseconds (NaN when unset). */
export function ms(t?: { seconds: bigint; nanos: number }): number {
  return t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : NaN;
}

/** Polls `check` every 100 ms until it holds; fails after `ms`, naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
  }
}

/** Polls Get until the task is final (for clients of scheduler processes; TestCluster has waitFor). */
export async function waitFinal(client: SchedulerClient, id: string, timeoutMs = 60_000): Promise<Task> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = (await client.get({ taskId: id })).task!;
    if ([TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED].includes(t.state)) return t;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${TaskState[t.state]}: ${t.message}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
