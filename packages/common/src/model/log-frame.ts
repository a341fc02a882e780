/**
 * One frame of output: a chunk of one stream, usually several whole lines. On the LOGS stream
 * a frame is one message whose body is `data` and whose headers carry attempt, stream and time
 * (logs/frame-codec.ts): an agent's frames on trainyard.logs.<task>.<attempt>.<node>, the
 * scheduler's SYSTEM lines on trainyard.logs.<task>.s.
 *
 * `seq`, the frame's position: its JetStream stream sequence wherever frames come from the
 * LOGS stream (SchedulerService.StreamLogs; strictly increasing per task, not contiguous). The
 * agent's in-memory tail (AgentService.StreamLogs) numbers entries 1, 2, 3… within the attempt
 * instead. The agent's own frame counter (header Trainyard-Frame) is not a seq: it only tells a
 * restarted agent where its published log ends.
 */
export type StreamName = "stdout" | "stderr" | "system";

export interface LogFrame {
  seq: number;
  attempt: number;
  stream: StreamName;
  /** Epoch milliseconds (fractional) of the frame's first byte. */
  time: number;
  data: Uint8Array;
  /** The scheduler's line that declared the attempt lost: the attempt's later frames are late. */
  fence?: boolean;
  /** The agent that published it, from the subject (never sent to clients); absent on the scheduler's lines. */
  nodeId?: string;
}
