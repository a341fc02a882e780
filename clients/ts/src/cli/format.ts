/** What the CLI prints. Pure: tasks and frames in, strings out; `now` and colour are inputs. */
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampMs, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { FailureReason, LogStream, TaskState, type CheckpointInfo, type LogFrame, type Task } from "../gen/trainyard/v1/task_pb.js";
import { NodeState, type Node } from "../gen/trainyard/v1/agent_pb.js";
import { formatBytes, formatDuration } from "../units.js";

export const stateName = (s: TaskState): string => TaskState[s] ?? `STATE_${s}`;
export const reasonName = (r: FailureReason): string => FailureReason[r] ?? `REASON_${r}`;
export const nodeStateName = (s: NodeState): string => (NodeState[s] ?? `STATE_${s}`).toLowerCase();

export const NODE_HEADER = ["NODE", "STATE", "SLOTS", "GPUS", "CPUS", "MEMORY", "POOLS", "LABELS", "SEEN"] as const;

/** `trainyard nodes`: free/total slots, each GPU as id=task (or id=free), when last seen. */
export function nodeTable(nodes: readonly Node[], now: number): string[] {
  return table([
    NODE_HEADER,
    ...nodes.map((n) => {
      const seen = ms(n.lastSeen);
      return [
        n.id,
        nodeStateName(n.state),
        `${n.freeSlots}/${n.slots}`,
        n.gpuDevices.map((d) => `${d.id}=${d.taskId || "free"}`).join(",") || "-",
        n.cpus ? String(n.cpus) : "-",
        n.memoryBytes ? formatBytes(Number(n.memoryBytes)) : "-",
        n.pools.join(","),
        Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(",") || "-",
        seen === undefined ? "" : `${shortDuration(now - seen)} ago`,
      ];
    }),
  ]);
}

/**
 * The CLI's exit code for a finished task (`submit --follow`):
 *   SUCCEEDED → 0; FAILED by the command's own exit code n → n; TIMEOUT → 124 (as timeout(1));
 *   OOM_KILLED → 137 (SIGKILL); CANCELLED → 130 (as Ctrl-C); FAILED with no exit code
 *   (image unavailable, container error, node lost) → 125 (as `docker run`).
 */
export function exitCodeFor(task: Pick<Task, "state" | "exitCode" | "failureReason">): number {
  switch (task.state) {
    case TaskState.SUCCEEDED:
      return 0;
    case TaskState.CANCELLED:
      return 130;
    case TaskState.FAILED:
      if (task.failureReason === FailureReason.TIMEOUT) return 124;
      if (task.failureReason === FailureReason.OOM_KILLED) return 137;
      return task.exitCode > 0 && task.exitCode < 256 ? task.exitCode : 125;
    default:
      return 1;
  }
}

/** A gRPC error as one line: "NOT_FOUND: task t-1 not found". */
export function formatError(err: unknown): string {
  if (err instanceof ConnectError) {
    const code = (Code[err.code] ?? String(err.code)).replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
    return `${code}: ${err.rawMessage}`;
  }
  return err instanceof Error ? err.message : String(err);
}

const ms = (t: Timestamp | undefined): number | undefined => (t && (t.seconds !== 0n || t.nanos !== 0) ? timestampMs(t) : undefined);

/** "3s", "5m2s", "2h1m" (no milliseconds) for ages and run times. */
export function shortDuration(d: number): string {
  return d < 1000 ? "0s" : formatDuration(Math.floor(d / 1000) * 1000);
}

export const TABLE_HEADER = ["ID", "STATE", "ATTEMPT", "EXIT", "AGE", "IMAGE", "COMMAND"] as const;

export function taskRow(t: Task, now: number): string[] {
  const created = ms(t.createTime);
  const final = t.state === TaskState.SUCCEEDED || t.state === TaskState.FAILED || t.state === TaskState.CANCELLED;
  return [
    t.id,
    stateName(t.state),
    String(t.attempts.length),
    final && t.state !== TaskState.CANCELLED ? String(t.exitCode) : "",
    created === undefined ? "" : shortDuration(now - created),
    t.spec?.image ?? "",
    truncate(t.spec?.command.join(" ") ?? "", 40),
  ];
}

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
}

export function taskTable(tasks: readonly Task[], now: number): string[] {
  return table([TABLE_HEADER, ...tasks.map((t) => taskRow(t, now))]);
}

/** Column widths of `watch` on a non-TTY, where rows come one at a time: ids are 24 characters. */
const PLAIN_WIDTHS = [24, 9, 7, 4, 6, 24];

/** One row (or the header) of `watch` on a non-TTY, aligned without knowing the other rows. */
export function plainRow(cells: readonly string[]): string {
  return cells.map((c, i) => (i < PLAIN_WIDTHS.length ? c.padEnd(PLAIN_WIDTHS[i]!) : c)).join("  ").trimEnd();
}

/** `trainyard get` without --json. */
export function taskDetail(t: Task, now: number): string[] {
  const s = t.spec;
  const lines = [
    `id:        ${t.id}`,
    `state:     ${stateName(t.state)}${t.message ? ` (${t.message})` : ""}`,
    `image:     ${s?.image ?? ""}`,
    `command:   ${JSON.stringify(s?.command ?? [])}`,
  ];
  if (s && Object.keys(s.labels).length > 0) lines.push(`labels:    ${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(", ")}`);
  if (s?.pool) lines.push(`pool:      ${s.pool}`);
  if (s && (s.priority || s.preemptible)) lines.push(`priority:  ${s.priority || 50}${s.preemptible ? " (preemptible)" : ""}`);
  const r = s?.resources;
  if (r && (r.cpus || r.memoryBytes || r.gpus)) {
    lines.push(`resources: ${[r.cpus ? `cpus ${r.cpus}` : "", r.memoryBytes ? `memory ${formatBytes(Number(r.memoryBytes))}` : "", r.gpus ? `gpus ${r.gpus}` : ""].filter(Boolean).join(", ")}`);
  }
  if (s?.checkpoint) {
    const every = s.checkpoint.interval ? ` every ${formatDuration(durationMs(s.checkpoint.interval))}` : "";
    lines.push(`checkpoint: ${s.checkpoint.path}${every}, ${t.lastCheckpoint ? `last ${checkpointText(t.lastCheckpoint, now)}` : "none saved yet"}`);
  }
  const created = ms(t.createTime);
  if (created !== undefined) lines.push(`created:   ${new Date(created).toISOString()} (${shortDuration(now - created)} ago)`);
  if (t.failureReason !== FailureReason.UNSPECIFIED) lines.push(`failure:   ${reasonName(t.failureReason)}, exit code ${t.exitCode}`);
  else if (t.state === TaskState.SUCCEEDED || t.state === TaskState.FAILED) lines.push(`exit code: ${t.exitCode}`);
  for (const a of t.attempts) {
    const start = ms(a.startTime);
    const end = ms(a.endTime);
    const ran = start !== undefined ? ` ran ${shortDuration((end ?? now) - start)}` : "";
    const why = a.failureReason !== FailureReason.UNSPECIFIED ? ` ${reasonName(a.failureReason)}` : "";
    const gpus = a.gpuIds.length ? ` GPU ${a.gpuIds.join(",")}` : "";
    lines.push(`attempt ${a.number}: ${stateName(a.state)}${a.nodeId ? ` on ${a.nodeId}` : ""}${gpus}${ran}${why}${a.message ? ` (${a.message})` : ""}`);
  }
  return lines;
}

/** "saved 3m ago (2026-12-02T09:57:00.000Z) by attempt 2, 1.5Mi": a CheckpointInfo for people. */
export function checkpointText(c: CheckpointInfo, now: number): string {
  const at = ms(c.time);
  const when = at === undefined ? "saved" : `saved ${shortDuration(now - at)} ago (${new Date(at).toISOString()})`;
  return `${when} by attempt ${c.attempt}, ${formatBytes(Number(c.sizeBytes))}`;
}

/**
 * The line `trainyard checkpoint` ends with (stderr): which save, how big, where it went. `info`
 * is the save the bytes are (its digest matched), when known.
 */
export function checkpointSummary(taskId: string, info: CheckpointInfo | undefined, bytes: number, where: string, now: number): string {
  return `[trainyard] checkpoint of ${taskId}${info ? ` ${checkpointText(info, now)}` : `: ${formatBytes(bytes)}`} → ${where}`;
}

const durationMs = (d: Duration): number => Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6);

const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

/** A SYSTEM frame for stderr: every line prefixed "[trainyard] ", dimmed when `color`. */
export function formatSystem(text: string, color: boolean): string {
  const lines = text.replace(/\n$/, "").split("\n");
  return lines.map((l) => (color ? `${DIM}[trainyard] ${l}${RESET}` : `[trainyard] ${l}`)).join("\n") + "\n";
}

export type FrameTarget = "stdout" | "stderr";

/** Where a frame goes and what is written: task stdout → stdout, the rest → stderr. */
export function renderFrame(f: Pick<LogFrame, "stream" | "data">, color: boolean, decoder = new TextDecoder()): { to: FrameTarget; data: string | Uint8Array } {
  if (f.stream === LogStream.STDOUT) return { to: "stdout", data: f.data };
  if (f.stream === LogStream.SYSTEM) return { to: "stderr", data: formatSystem(decoder.decode(f.data), color) };
  return { to: "stderr", data: f.data };
}

export interface WaitStatus {
  state: TaskState;
  attempt: number;
  /** The newest SYSTEM line seen ("pulling image busybox: 12 MB"). */
  lastSystem?: string;
  /** Whether the current attempt has written stdout/stderr yet. */
  output: boolean;
}

const SPIN = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * The spinner line while a task waits, or undefined when nothing is waited for: shown while the
 * task is PENDING, or RUNNING whose newest SYSTEM line is an image pull and no output came yet.
 */
export function spinnerText(s: WaitStatus, tick: number, width = 100): string | undefined {
  const pulling = s.lastSystem?.startsWith("pulling image") === true;
  const waiting = s.state === TaskState.PENDING || (s.state === TaskState.RUNNING && pulling && !s.output);
  if (!waiting) return undefined;
  const parts = [stateName(s.state), `attempt ${Math.max(1, s.attempt)}`];
  if (s.lastSystem) parts.push(s.lastSystem);
  return truncate(`${SPIN[tick % SPIN.length]} ${parts.join(" · ")}`, width);
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}
