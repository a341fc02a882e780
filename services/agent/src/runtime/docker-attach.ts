import type { Readable } from "node:stream";
import { LineCutter } from "../core/log-lines.js";
import type { LogEntry } from "./container-runtime.js";
import { demuxPayloads } from "./docker-demux.js";

/**
 * Reads Docker's attach stream of a container with Tty off (docker-demux.ts's framing): raw
 * output, no timestamps, cut wherever the container's writes were. Yields, per chunk read, the output of each stream cut at line ends
 * (core/log-lines.ts), time = when it was read; at the end, what was left of an unfinished last
 * line. Ends with the stream; a failing stream throws.
 */
export async function* demuxAttachBatches(stream: Readable): AsyncGenerator<LogEntry[]> {
  const cut = { stdout: new LineCutter(), stderr: new LineCutter() };
  for await (const payloads of demuxPayloads(stream)) {
    const time = Date.now();
    const batch: LogEntry[] = [];
    for (const p of payloads) {
      const data = cut[p.stream].push(p.payload);
      if (data) batch.push({ stream: p.stream, time, data });
    }
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
