import type { Readable } from "node:stream";
import type { LogEntry } from "./container-runtime.js";

/**
 * Docker's multiplexed stream (Tty off): 8-byte headers [stream, 0, 0, 0, size uint32 BE], each
 * followed by its payload. Yields, per chunk read, the stdout and stderr payloads completed in it,
 * in order (other stream types are skipped). Ends with the stream; a failing stream throws.
 */
export async function* demuxPayloads(stream: Readable): AsyncGenerator<{ stream: LogEntry["stream"]; payload: Buffer }[]> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let off = 0;
    const batch: { stream: LogEntry["stream"]; payload: Buffer }[] = [];
    while (buf.length - off >= 8) {
      const size = buf.readUInt32BE(off + 4);
      if (buf.length - off - 8 < size) break;
      const type = buf[off];
      const payload = buf.subarray(off + 8, off + 8 + size);
      off += 8 + size;
      if (type === 1 || type === 2) batch.push({ stream: type === 2 ? "stderr" : "stdout", payload });
    }
    buf = buf.subarray(off);
    if (batch.length) yield batch;
  }
}

/**
 * Reads Docker's log stream (`timestamps=true`): each payload one entry "<RFC3339Nano> <bytes>".
 * Yields the entries of each chunk read as one batch, in order (a fast writer means thousands of
 * entries per batch, not one await each). Ends with the stream.
 */
export async function* demuxLogBatches(stream: Readable): AsyncGenerator<LogEntry[]> {
  for await (const batch of demuxPayloads(stream)) yield batch.map((p) => parseEntry(p.stream, p.payload));
}

/** demuxLogBatches, one entry at a time. */
export async function* demuxLogEntries(stream: Readable): AsyncGenerator<LogEntry> {
  for await (const batch of demuxLogBatches(stream)) yield* batch;
}

export function parseEntry(stream: LogEntry["stream"], payload: Buffer): LogEntry {
  const sp = payload.indexOf(32);
  const stamp = sp > 0 ? payload.toString("latin1", 0, sp) : "";
  const time = stamp ? parseRfc3339Nano(stamp) : NaN;
  if (Number.isNaN(time)) return { stream, time: Date.now(), data: payload };
  return { stream, time, stamp, data: payload.subarray(sp + 1) };
}

let cachedSecond = "";
let cachedSecondMs = 0;

/**
 * "2026-11-28T15:12:58.644945409Z" → epoch ms with the sub-millisecond part as a fraction.
 * Docker's UTC form takes a fast path that parses each whole second once.
 */
export function parseRfc3339Nano(s: string): number {
  if (s.length > 21 && s.length <= 30 && s[19] === "." && s[s.length - 1] === "Z") {
    const second = s.slice(0, 19);
    if (second !== cachedSecond) {
      const ms = Date.parse(`${second}Z`);
      if (Number.isNaN(ms)) return NaN;
      cachedSecond = second;
      cachedSecondMs = ms;
    }
    const frac = s.slice(20, -1);
    if (/^\d{1,9}$/.test(frac)) return cachedSecondMs + Number(frac) / 10 ** (frac.length - 3);
  }
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return NaN;
  const base = Date.parse(`${m[1]}${m[3]}`);
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return base + frac;
}
