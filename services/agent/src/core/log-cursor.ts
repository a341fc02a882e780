/**
 * Where a container's log has been copied up to, per stream. Docker stamps each line when its
 * stream's copier reads it, one copier per stream, so stamps rise within a stream but not across
 * streams: a stderr line stamped before a stdout line may be written after it. A single "last
 * stamp" cursor therefore repeats or skips lines on a re-read; this one keeps the stamp of the
 * newest line shipped of each stream, skips a line only when its own stream already went past
 * it, and re-reads from early enough to catch a line of either stream that is not out yet.
 *
 * Text form (the frame header a restarted agent resumes from): "<stdout stamp>,<stderr stamp>",
 * either side empty when that stream has shipped nothing. A bare stamp (older agents) counts
 * for both streams.
 */
import { nsToStamp, stampNs } from "./log-stamps.js";

/** The engine stamp of the newest line shipped, per stream. */
export interface LogCursor {
  stdout?: string;
  stderr?: string;
}

type ContainerStream = keyof LogCursor;

/**
 * How far before the newest stamp shipped a re-read starts, at most: a line of the other stream
 * stamped earlier than that and not yet written is taken as lost by the engine. Docker's copiers
 * are microseconds apart; this bounds what a re-read after a busy second costs.
 */
export const REREAD_WINDOW_NS = 250_000_000n;

/** The stamp a re-read asks the engine for (entries at or after it); undefined: from the start. */
export function rereadFrom(c: LogCursor): string | undefined {
  const out = c.stdout === undefined ? null : stampNs(c.stdout);
  const err = c.stderr === undefined ? null : stampNs(c.stderr);
  if (out === null && err === null) return undefined;
  const newest = out === null ? err! : err === null ? out : out > err ? out : err;
  const floor = newest - REREAD_WINDOW_NS;
  // Both streams seen: nothing unshipped is older than the older of the two.
  const oldest = out !== null && err !== null ? (out < err ? out : err) : floor;
  return nsToStamp(oldest > floor ? oldest : floor);
}

/**
 * Decides, line by line of a re-read from `c`, whether the line was shipped already. Stamps rise
 * within a stream, so once a stream passes its mark nothing more of it is parsed.
 */
export function shippedFilter(c: LogCursor): (stream: ContainerStream, stamp: string) => boolean {
  const marks: Partial<Record<ContainerStream, bigint>> = {};
  for (const s of ["stdout", "stderr"] as const) {
    const ns = c[s] === undefined ? null : stampNs(c[s]);
    if (ns !== null) marks[s] = ns;
  }
  return (stream, stamp) => {
    const mark = marks[stream];
    if (mark === undefined) return false;
    const ns = stampNs(stamp);
    if (ns !== null && ns <= mark) return true;
    delete marks[stream];
    return false;
  };
}

export function formatCursor(c: LogCursor): string | undefined {
  if (c.stdout === undefined && c.stderr === undefined) return undefined;
  return `${c.stdout ?? ""},${c.stderr ?? ""}`;
}

/** The cursor a text form names; an empty side counts as nothing shipped on that stream. */
export function parseCursor(text: string | undefined): LogCursor {
  if (!text) return {};
  const [out, err] = text.includes(",") ? text.split(",", 2) : [text, text];
  return { ...(out && { stdout: out }), ...(err && { stderr: err }) };
}
