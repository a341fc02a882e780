/**
 * Prints a task's log (submit --follow, logs): task stdout to stdout, task stderr to stderr,
 * SYSTEM lines to stderr prefixed "[trainyard]" (dimmed on a TTY). Resumes by itself across
 * dropped connections (followLogs). While the task waits (pending, pulling its image) a spinner
 * on a TTY stderr shows state, attempt and the newest SYSTEM line; its state comes from a Watch
 * on the task that runs alongside and ends with the log.
 */
import { LogStream, TaskState } from "../gen/trainyard/v1/task_pb.js";
import type { TrainyardClient } from "../trainyard-client.js";
import { formatError, renderFrame, type WaitStatus } from "./format.js";
import type { Terminal } from "./terminal.js";

export interface PrintLogsOptions {
  follow: boolean;
  tailLines?: number;
  attempt?: number;
  since?: Date;
  signal: AbortSignal;
}

export async function printLogs(client: TrainyardClient, term: Terminal, taskId: string, o: PrintLogsOptions): Promise<void> {
  const status: WaitStatus = { state: TaskState.PENDING, attempt: 1, output: false };
  const watching = new AbortController();
  const stop = () => watching.abort();
  o.signal.addEventListener("abort", stop, { once: true });
  const watched = o.follow && term.stderrTty ? watchStatus(client, term, taskId, status, watching.signal) : Promise.resolve();
  const decoder = new TextDecoder();
  try {
    for await (const frame of client.followLogs(taskId, {
      follow: o.follow,
      ...(o.tailLines !== undefined && { tailLines: o.tailLines }),
      ...(o.attempt !== undefined && { attempt: o.attempt }),
      ...(o.since !== undefined && { since: o.since }),
      signal: o.signal,
      onRetry: (err, delay) => void term.err(`[trainyard] log stream interrupted (${formatError(err)}); reconnecting in ${delay}ms\n`),
    })) {
      if (frame.attempt > status.attempt) Object.assign(status, { attempt: frame.attempt, output: false, lastSystem: undefined });
      if (frame.stream === LogStream.SYSTEM) status.lastSystem = lastLine(decoder.decode(frame.data));
      else status.output = true;
      const { to, data } = renderFrame(frame, term.color, decoder);
      await (to === "stdout" ? term.out(data) : term.err(data));
      if (term.stderrTty && o.follow) term.spinner(status);
    }
  } finally {
    o.signal.removeEventListener("abort", stop);
    watching.abort();
    await watched;
    term.close();
  }
}

/** Keeps `status` current from a Watch on the task; quiet on errors (the spinner is a nicety). */
async function watchStatus(client: TrainyardClient, term: Terminal, taskId: string, status: WaitStatus, signal: AbortSignal): Promise<void> {
  term.spinner(status);
  try {
    for await (const { task } of client.watch({ taskId }, { signal })) {
      if (!task) continue;
      status.state = task.state;
      if (task.attempts.length > status.attempt) Object.assign(status, { attempt: task.attempts.length, output: false });
      term.spinner(status);
    }
  } catch {
    // Cancelled when the log ends, or the watch failed: the spinner keeps its last state.
  }
}

function lastLine(text: string): string {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return lines[lines.length - 1]?.trim() ?? "";
}
