/** How times, sizes and enums read on the dashboard. Pure. */
import { FailureReason, NodeState, TaskState } from "@trainyard/client/web";

type Ts = { seconds: bigint; nanos: number } | undefined;

export const tsMs = (t: Ts): number => (t ? Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6) : 0);

export const stateName = (s: TaskState): string => TaskState[s] ?? String(s);
export const reasonName = (r: FailureReason): string => (r ? (FailureReason[r] ?? String(r)) : "");
export const nodeStateName = (s: NodeState): string => NodeState[s] ?? String(s);

/** "4s", "3m", "2h", "5d" since `ms` (relative to `now`). */
export function age(ms: number, now: number): string {
  if (!ms) return "";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export function clock(ms: number): string {
  return ms ? new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : "";
}

export function bytes(n: number | bigint): string {
  const v = Number(n);
  if (v < 1e3) return `${v} B`;
  if (v < 1e6) return `${(v / 1e3).toFixed(1)} kB`;
  if (v < 1e9) return `${(v / 1e6).toFixed(1)} MB`;
  return `${(v / 1e9).toFixed(1)} GB`;
}
