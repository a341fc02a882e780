import type { Readable } from "node:stream";
import { LineCutter } from "../core/log-lines.js";
import type { LogEntry } from "./container-runtime.js";

/**
 * Reads Docker's attach stream of a container with Tty off: 8-byte headers [stream, 0, 0, 0,
 * size uint32 BE] each followed by raw output (no timestamps, cut wherever the container's
 * writes were). Yields, per chunk read, the output of each stream cut at line ends
 * (core/log-lines.ts), time = when it was read; at the end, what was left of an unfinished last
 * line. Ends with the stream; a failing stream throws.
 */
export async function* demuxAttachBatches(stream: Readable): AsyncGenerator<LogEntry[]> {
  const cut = { stdout: new LineCutter(), stderr: new LineCutter() };
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const time = Date.now();
    let off = 0;
    const batch: LogEntry[] = [];
    while (buf.length - off >= 8) {
      const size = buf.readUInt32BE(off + 4);
      if (buf.length - off - 8 < size) break;
      const type = buf[off];
      const payload = buf.subarray(off + 8, off + 8 + size);
      off += 8 + size;
      if (type !== 1 && type !== 2) continue;
      const s = type === 2 ? "stderr" : "stdout";
      const data = cut[s].push(payload);
      if (data) batch.push({ stream: s, time, data });
    }
    buf = buf.subarray(off);
    if (batch.length) yield batch;
  }
  const time = Date.now();
  const rest: LogEntry[] = [];
  for (const s of ["stdout", "stderr"] as const) {
    const data = cut[s].flush();
    if (data) rest.push({ stream: s, time, data });
  }
  if (rest.length) yield rest;
}
