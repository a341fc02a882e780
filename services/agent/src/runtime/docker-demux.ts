import type { Readable } from "node:stream";
import type { LogEntry } from "./container-runtime.js";

/**
 * Reads Docker's multiplexed log stream (Tty off; `timestamps=true`): 8-byte headers
 * [stream, 0, 0, 0, size uint32 BE] each followed by one entry "<RFC3339Nano> <bytes>".
 * Yields entries in order. Ends with the stream.
 */
export async function* demuxLogEntries(stream: Readable): AsyncGenerator<LogEntry> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 8) {
      const size = buf.readUInt32BE(off + 4);
      if (buf.length - off - 8 < size) break;
      const type = buf[off];
      const payload = buf.subarray(off + 8, off + 8 + size);
      off += 8 + size;
      if (type !== 1 && type !== 2) continue;
      yield parseEntry(type === 2 ? "stderr" : "stdout", payload);
    }
    buf = buf.subarray(off);
  }
}

export function parseEntry(stream: LogEntry["stream"], payload: Buffer): LogEntry {
  const sp = payload.indexOf(32);
  const time = sp > 0 ? parseRfc3339Nano(payload.toString("latin1", 0, sp)) : NaN;
  if (Number.isNaN(time)) return { stream, time: Date.now(), data: payload };
  return { stream, time, data: payload.subarray(sp + 1) };
}

/** "2026-11-28T15:12:58.644945409Z" → epoch ms with the sub-millisecond part as a fraction. */
export function parseRfc3339Nano(s: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return NaN;
  const base = Date.parse(`${m[1]}${m[3]}`);
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return base + frac;
}
