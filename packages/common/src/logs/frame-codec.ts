/**
 * How a frame sits on the LOGS stream: the body is the raw output bytes, the headers carry
 * the rest. The frame's seq is the message's stream sequence, known only once stored.
 */
import { headers, type MsgHdrs } from "@nats-io/transport-node";
import type { LogFrame, StreamName } from "../model/log-frame.js";
import { parseLogSubject } from "../nats/names.js";

export const HEADER = {
  attempt: "Trainyard-Attempt",
  stream: "Trainyard-Stream",
  /** Epoch nanoseconds of the frame's first byte, as a decimal string. */
  time: "Trainyard-Time-Ns",
  /** The n-th frame of the attempt (agent frames); its message id is "<task>:<attempt>:<n>". */
  frame: "Trainyard-Frame",
  /** The engine's timestamp of the newest container line in this or an earlier frame of the attempt. */
  resume: "Trainyard-Resume",
  /** On the scheduler's SYSTEM line that declares the attempt lost: later frames of it are late. */
  fence: "Trainyard-Fence",
} as const;

const STREAMS: ReadonlySet<string> = new Set(["stdout", "stderr", "system"]);

export function frameHeaders(
  attempt: number,
  stream: StreamName,
  timeMs: number,
  agent?: { frame: number; resume?: string },
  fence = false,
): MsgHdrs {
  const h = headers();
  h.set(HEADER.attempt, String(attempt));
  h.set(HEADER.stream, stream);
  h.set(HEADER.time, msToNsString(timeMs));
  if (fence) h.set(HEADER.fence, "1");
  if (agent) {
    h.set(HEADER.frame, String(agent.frame));
    if (agent.resume) h.set(HEADER.resume, agent.resume);
  }
  return h;
}

/** Where an attempt's published log stands (from its last frame's headers): frame number and resume stamp. */
export function agentPosition(h: MsgHdrs | undefined): { frame: number; resume?: string } {
  const frame = Number(h?.get(HEADER.frame) ?? 0) || 0;
  const resume = h?.get(HEADER.resume) || undefined;
  return resume ? { frame, resume } : { frame };
}

export interface StoredMessage {
  seq: number;
  subject: string;
  headers?: MsgHdrs;
  data: Uint8Array;
}

/**
 * The frame a stored message holds. An agent's frame takes its attempt and node from the
 * subject, which NATS permissions bind to the publisher, never from its headers.
 */
export function decodeFrame(m: StoredMessage): LogFrame {
  const stream = m.headers?.get(HEADER.stream) ?? "system";
  // A subject that names no writer is shown as nobody's: attempt 0, which no node holds.
  const from = parseLogSubject(m.subject) ?? { attempt: 0, nodeId: "" };
  const agent = "attempt" in from ? from : undefined;
  return {
    seq: m.seq,
    attempt: agent?.attempt ?? Number(m.headers?.get(HEADER.attempt) ?? 0),
    ...(agent?.nodeId ? { nodeId: agent.nodeId } : {}),
    stream: (STREAMS.has(stream) ? stream : "system") as StreamName,
    time: nsStringToMs(m.headers?.get(HEADER.time) ?? "0"),
    data: m.data,
    ...(m.headers?.get(HEADER.fence) && !agent ? { fence: true } : {}), // only the scheduler fences
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
