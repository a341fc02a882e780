export type StreamName = "stdout" | "stderr" | "system";

/**
 * One frame of output: a chunk of one stream, usually several whole lines. On the LOGS stream
 * a frame is one message (subject trainyard.logs.<task>) whose body is `data` and whose
 * headers carry attempt, stream and time; its seq is the JetStream sequence.
 */
export interface LogFrame {
  seq: number;
  attempt: number;
  stream: StreamName;
  /** Epoch milliseconds (fractional) of the frame's first byte. */
  time: number;
  data: Uint8Array;
  /** The scheduler's line that declared the attempt lost: the attempt's later frames are late. */
  fence?: boolean;
}
