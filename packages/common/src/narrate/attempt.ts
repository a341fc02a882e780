/**
 * The words for what happened to an attempt (model/facts.ts). Pure. The agent writes them as
 * SYSTEM lines; the scheduler keeps them as messages and history entries. These strings are
 * what users read and grep for: change them with care, never parse them.
 */
import { formatDuration } from "../duration.js";
import type { AttemptEnd, AttemptNote, LeaseLapse, Outcome, StopCause } from "../model/facts.js";

/** A SYSTEM line (and the history entry or message) for something the agent did or saw. */
export function noteText(n: AttemptNote): string {
  switch (n.kind) {
    case "pulling":
      return `pulling image ${n.image}`;
    case "pull-progress":
      return `pulling image ${n.image}: ${Math.floor((100 * n.current) / n.total)}% (${mb(n.current)} of ${mb(n.total)} MB)`;
    case "pulled":
      return `pulled image ${n.image} in ${formatDuration(n.ms)}`;
    case "reattached":
      return `agent restarted: re-attached to ${n.running ? "the running container" : "the container, which has exited"}`;
    case "stopping":
      return stoppingText(n.cause);
    case "sigterm":
      return `sending SIGTERM; SIGKILL in ${formatDuration(n.killAfterMs)} if still running`;
    case "sigkill":
      return `still running after ${formatDuration(n.afterMs)}: sending SIGKILL`;
    case "checkpoint-restored":
      return `restored the checkpoint of attempt ${n.fromAttempt} (${sizeText(n.sizeBytes)}) into ${n.path} in ${formatDuration(n.ms)}`;
    case "checkpoint-not-saved":
      return `checkpoint not saved: ${n.error}`;
    case "checkpoint-not-restored":
      return `the checkpoint of attempt ${n.fromAttempt} cannot be restored (${n.error}): starting without it`;
  }
}

function stoppingText(c: StopCause): string {
  switch (c.kind) {
    case "cancel":
      return c.reason ? `cancel requested: ${c.reason}` : "cancel requested";
    case "superseded":
      return "this attempt is no longer current: stopping it";
    case "shutdown":
      return "agent shutting down: stopping the task";
    case "drain":
      return "node drained past its deadline: stopping the task";
    case "preempted":
      return `preempted by task ${c.forTaskId}: stopping it`;
    case "timeout":
      return `timed out after ${formatDuration(c.afterMs)}`;
    case "isolated":
      return `${isolation(c)}: stopping it`;
  }
}

/** The attempt's `message`: how it ended, in a line. */
export function endMessage(e: AttemptEnd): string {
  switch (e.kind) {
    case "exited":
      if (e.oomKilled) return `OOM killed (exit code ${e.exitCode})`;
      return `exit code ${e.exitCode}`;
    case "stopped":
      return stoppedMessage(e.cause);
    case "image-unavailable":
    case "mount-refused":
    case "container-error":
      return bounded(e.error);
    case "never-started":
      return "the container was created but never started (the agent restarted)";
    case "restarted-before-start":
      return "the agent restarted before the container started";
    case "node-lost":
      return lapseText(e.lapse);
  }
}

function stoppedMessage(c: StopCause): string {
  switch (c.kind) {
    case "cancel":
      return c.reason ? `cancelled: ${c.reason}` : "cancelled";
    case "superseded":
      return "stopped: the attempt is no longer current";
    case "timeout":
      return `killed after timeout ${formatDuration(c.afterMs)}`;
    case "shutdown":
      return "stopped because the agent shut down";
    case "drain":
      return "stopped: the node was drained";
    case "preempted":
      return `preempted by task ${c.forTaskId}`;
    case "isolated":
      return `stopped: ${isolation(c)}`;
  }
}

/** The agent's last SYSTEM line of an attempt: "exited with code 3", "timeout: killed after timeout 30s". */
export function endLine(o: Outcome): string {
  if (!o.failureReason) return "exited with code 0";
  if (o.failureReason === "EXIT_CODE") return `exited with code ${o.exitCode}`;
  return `${o.failureReason.toLowerCase().replace(/_/g, " ")}: ${endMessage(o.end)}`;
}

/** How an attempt ended, in the few words retry decisions and history use: "exit code 3", "timeout 30s". */
export function outcomeWords(o: Outcome): string {
  switch (o.failureReason) {
    case undefined:
      return "exit code 0";
    case "EXIT_CODE":
      return `exit code ${o.exitCode}`;
    case "OOM_KILLED":
      return "OOM killed (out of memory)";
    case "TIMEOUT":
      return o.end.kind === "stopped" && o.end.cause.kind === "timeout" ? `timeout ${formatDuration(o.end.cause.afterMs)}` : "timeout";
    case "CANCELLED":
      return "cancelled";
    case "NODE_LOST":
      return "node lost";
    case "IMAGE_UNAVAILABLE":
      return `image unavailable: ${endMessage(o.end)}`;
    case "CONTAINER_ERROR":
      return `container error: ${endMessage(o.end)}`;
    case "PREEMPTED":
      return endMessage(o.end);
    case "DEPENDENCY_FAILED":
      return "dependency failed";
  }
}

/** "no heartbeat from node a1 for 15s", "node a1 never heartbeated". */
export function lapseText(l: LeaseLapse): string {
  return l.kind === "silent" ? `no heartbeat from node ${l.nodeId} for ${formatDuration(l.silentMs)}` : `node ${l.nodeId} never heartbeated`;
}

/** "no contact with NATS for 9.1s (lease 15s): another node may run this task". */
function isolation(c: { silentMs: number; leaseMs: number }): string {
  return `no contact with NATS for ${formatDuration(c.silentMs)} (lease ${formatDuration(c.leaseMs)}): another node may run this task`;
}

/** The SYSTEM line in place of output the agent could not deliver (NATS unreachable, its buffer full). */
export function outputDroppedText(lines: number, bytes: number, bufferBytes: number): string {
  return `${lines} lines (${bytes} bytes) of output not delivered: NATS was unreachable and the agent's log buffer (${size(bufferBytes)}) was full; the agent's local log file has them`;
}

const mb = (b: number) => (b / 1e6).toFixed(1);

/** "812 B", "3.4 kB", "12.1 MB", "2.0 GB" (decimal units). */
export function sizeText(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  const [unit, div] = bytes < 1e6 ? ["kB", 1e3] : bytes < 1e9 ? ["MB", 1e6] : ["GB", 1e9];
  return `${(bytes / div).toFixed(1)} ${unit}`;
}

/** The SYSTEM line of a complete checkpoint save. */
export function checkpointSavedText(sizeBytes: number, path: string, ms: number): string {
  return `checkpoint saved: ${sizeText(sizeBytes)} of ${path} in ${formatDuration(ms)}`;
}

/** An error text from Docker or a host, as stored in a record: at most MAX_ERROR_CHARS. */
export const MAX_ERROR_CHARS = 1024;
function bounded(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}

function size(n: number): string {
  if (n >= 1048576) return `${+(n / 1048576).toFixed(1)} MiB`;
  return n >= 1024 ? `${+(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}
