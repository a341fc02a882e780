/**
 * Where an attempt's container output has been shipped up to, and how a re-read from the
 * engine's log skips what was. Pure.
 *
 * Counted (what this agent writes): per stream, the lines shipped (newlines), the bytes of the
 * unfinished line after them, and the engine's stamp of the last entry when it came from the
 * logs API. Output read from the attach stream has no stamps, so counts are the position: a
 * re-read from the start of the engine's log skips exactly that many lines and bytes per stream,
 * whatever the stamps. When both streams have a stamp (everything since came from the logs
 * API), a re-read starts at the older one instead and skips by stamp (log-cursor.ts explains
 * why per stream), counting on.
 *
 * Stamped: a position an older agent wrote (log-cursor.ts text: stamps only). It is resumed as
 * before, by stamp, and stays stamped for the rest of that attempt.
 *
 * Text form (the frame header a restarted agent resumes from):
 *   counted  "n:<lines>.<partial>[@<stamp>],<lines>.<partial>[@<stamp>]" (stdout, stderr)
 *   stamped  "<stdout stamp>,<stderr stamp>" or a bare stamp (log-cursor.ts)
 */
import { formatCursor, parseCursor, rereadFrom, shippedFilter, type LogCursor } from "./log-cursor.js";
import { stampNs } from "./log-stamps.js";

export type ContainerStream = "stdout" | "stderr";

export interface StreamCount {
  /** Newlines shipped. */
  lines: number;
  /** Bytes shipped after the last of them (a line not finished yet). */
  partial: number;
  /** The engine's stamp of the last entry shipped, when the logs API gave it. */
  stamp?: string;
}

export type LogPosition =
  | { counted: true; stdout: StreamCount; stderr: StreamCount }
  | { counted: false; stamps: LogCursor };

export const NOTHING_SHIPPED: LogPosition = Object.freeze({ counted: true, stdout: { lines: 0, partial: 0 }, stderr: { lines: 0, partial: 0 } });

const PREFIX = "n:";

/** The position a frame header names; none: nothing shipped. */
export function parsePosition(text: string | undefined): LogPosition {
  if (!text) return NOTHING_SHIPPED;
  if (!text.startsWith(PREFIX)) return { counted: false, stamps: parseCursor(text) };
  const [out, err] = text.slice(PREFIX.length).split(",", 2);
  return { counted: true, stdout: parseCount(out), stderr: parseCount(err) };
}

function parseCount(text = ""): StreamCount {
  const at = text.indexOf("@");
  const [lines, partial] = (at < 0 ? text : text.slice(0, at)).split(".", 2).map((x) => Number(x));
  const c = { lines: Number.isSafeInteger(lines) && lines! > 0 ? lines! : 0, partial: Number.isSafeInteger(partial) && partial! > 0 ? partial! : 0 };
  return at < 0 ? c : { ...c, stamp: text.slice(at + 1) };
}

export function formatPosition(p: LogPosition): string | undefined {
  if (!p.counted) return formatCursor(p.stamps);
  if (isEmpty(p.stdout) && isEmpty(p.stderr)) return undefined;
  return `${PREFIX}${formatCount(p.stdout)},${formatCount(p.stderr)}`;
}

function isEmpty(c: StreamCount): boolean {
  return c.lines === 0 && c.partial === 0 && c.stamp === undefined;
}

function formatCount(c: StreamCount): string {
  return `${c.lines}.${c.partial}${c.stamp ? `@${c.stamp}` : ""}`;
}

/** The position after `data` of `stream` is shipped; `stamp`: the engine's, when it gave one. A new object. */
export function advance(p: LogPosition, stream: ContainerStream, data: Buffer, stamp?: string): LogPosition {
  if (!p.counted) return stamp ? { counted: false, stamps: { ...p.stamps, [stream]: stamp } } : p;
  const c = p[stream];
  let lines = c.lines;
  let last = -1;
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) {
    lines++;
    last = i;
  }
  const partial = last < 0 ? c.partial + data.length : data.length - last - 1;
  const next: StreamCount = stamp ? { lines, partial, stamp } : { lines, partial };
  return stream === "stdout" ? { counted: true, stdout: next, stderr: p.stderr } : { counted: true, stdout: p.stdout, stderr: next };
}

/**
 * How to re-read the engine's log from `p`: the stamp to ask from (undefined: from the start)
 * and, entry by entry in the engine's order, the part of it not shipped yet (undefined: all of
 * it was). Stateful: one per re-read.
 */
export function rereadPlan(p: LogPosition): { since?: string; unshipped: (stream: ContainerStream, data: Buffer, stamp?: string) => Buffer | undefined } {
  if (!p.counted) {
    const since = rereadFrom(p.stamps);
    const shipped = shippedFilter(p.stamps);
    return { ...(since && { since }), unshipped: (s, data, stamp) => (stamp && shipped(s, stamp) ? undefined : data) };
  }
  const out = p.stdout.stamp === undefined ? null : stampNs(p.stdout.stamp);
  const err = p.stderr.stamp === undefined ? null : stampNs(p.stderr.stamp);
  if (out !== null && err !== null) {
    // Both streams' last entries came from the logs API: nothing unshipped is older than the older stamp.
    const shipped = shippedFilter({ stdout: p.stdout.stamp!, stderr: p.stderr.stamp! });
    return { since: out < err ? p.stdout.stamp! : p.stderr.stamp!, unshipped: (s, data, stamp) => (stamp && shipped(s, stamp) ? undefined : data) };
  }
  const left = { stdout: { ...p.stdout }, stderr: { ...p.stderr } };
  return { unshipped: (s, data) => skipCounted(left[s], data) };
}

/** Consumes from `left` what of `data` was shipped; returns the rest (undefined: none). */
function skipCounted(left: StreamCount, data: Buffer): Buffer | undefined {
  let off = 0;
  while (left.lines > 0) {
    const i = data.indexOf(10, off);
    if (i < 0) return undefined; // all of it belongs to a line already shipped
    off = i + 1;
    left.lines--;
  }
  if (left.partial > 0) {
    const n = Math.min(left.partial, data.length - off);
    left.partial -= n;
    off += n;
  }
  if (off >= data.length) return undefined;
  return off === 0 ? data : data.subarray(off);
}
