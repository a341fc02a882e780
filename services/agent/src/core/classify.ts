import { formatDuration, type Outcome } from "@trainyard/common";

/**
 * How an attempt ended, from what the agent did and what Docker reports. Pure.
 * Precedence: a stop the agent made (cancel, timeout, shutdown) names the cause, whatever
 * the exit code; then Docker's OOMKilled flag; then the exit code.
 */
export type StopCause =
  | { kind: "cancel"; reason: string }
  | { kind: "superseded" }
  | { kind: "timeout"; afterMs: number }
  | { kind: "shutdown" }
  | { kind: "drain" }
  /** Self-fencing: no heartbeat reached NATS for `silentMs`; SIGKILL after `graceMs` at most. */
  | { kind: "isolated"; silentMs: number; leaseMs: number; graceMs: number };

export function classify(exit: { exitCode: number; oomKilled: boolean }, cause?: StopCause): Outcome {
  const { exitCode } = exit;
  switch (cause?.kind) {
    case "cancel":
      return { exitCode, failureReason: "CANCELLED", message: cause.reason ? `cancelled: ${cause.reason}` : "cancelled" };
    case "superseded":
      return { exitCode, failureReason: "CANCELLED", message: "stopped: the attempt is no longer current" };
    case "timeout":
      return { exitCode, failureReason: "TIMEOUT", message: `killed after timeout ${formatDuration(cause.afterMs)}` };
    case "shutdown":
      return { exitCode, failureReason: "CONTAINER_ERROR", message: "stopped because the agent shut down" };
    case "drain":
      return { exitCode, failureReason: "NODE_LOST", message: "stopped: the node was drained" };
    case "isolated":
      return { exitCode, failureReason: "NODE_LOST", message: `stopped: ${isolation(cause)}` };
  }
  if (exit.oomKilled) return { exitCode, failureReason: "OOM_KILLED", message: `OOM killed (exit code ${exitCode})` };
  if (exitCode !== 0) return { exitCode, failureReason: "EXIT_CODE", message: `exit code ${exitCode}` };
  return { exitCode: 0, message: "exit code 0" };
}

/** "no contact with NATS for 9.1s (lease 15s): another node may run this task". */
export function isolation(c: { silentMs: number; leaseMs: number }): string {
  return `no contact with NATS for ${formatDuration(c.silentMs)} (lease ${formatDuration(c.leaseMs)}): another node may run this task`;
}
