import { headers, type MsgHdrs } from "@nats-io/transport-node";
import type { LogFrame, StreamName } from "../model/log-frame.js";

/**
 * How a frame sits on the LOGS stream: the body is the raw output bytes, the headers carry
 * the rest. The frame's seq is the message's stream sequence, known only once stored.
 */
export const HEADER = {
  attempt: "Trainyard-Attempt",
  stream: "Trainyard-Stream",
  /** Epoch nanoseconds of the frame's first byte, as a decimal string. */
  time: "Trainyard-Time-Ns",
} as const;

const STREAMS: ReadonlySet<string> = new Set(["stdout", "stderr", "system"]);

export function frameHeaders(attempt: number, stream: StreamName, timeMs: number): MsgHdrs {
  const h = headers();
  h.set(HEADER.attempt, String(attempt));
  h.set(HEADER.stream, stream);
  h.set(HEADER.time, msToNsString(timeMs));
  return h;
}

export interface StoredMessage {
  seq: number;
  headers?: MsgHdrs;
  data: Uint8Array;
}

export function decodeFrame(m: StoredMessage): LogFrame {
  const stream = m.headers?.get(HEADER.stream) ?? "system";
  return {
    seq: m.seq,
    attempt: Number(m.headers?.get(HEADER.attempt) ?? 0),
    stream: (STREAMS.has(stream) ? stream : "system") as StreamName,
    time: nsStringToMs(m.headers?.get(HEADER.time) ?? "0"),
    data: m.data,
  };
}

function msToNsString(ms: number): string {
  const whole = Math.floor(ms);
  const fracNs = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(fracNs)).toString();
}

function nsStringToMs(ns: string): number {
  try {
    const n = BigInt(ns);
    return Number(n / 1_000_000n) + Number(n % 1_000_000n) / 1e6;
  } catch {
    return 0;
  }
}
