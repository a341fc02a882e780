/**
 * How an attempt ended, classified: what the agent saw (an AttemptEnd, a fact) → the failure
 * reason the retry policy works on. Pure. The words are narrate's (endMessage, endLine).
 * Precedence, in `ended`: a stop the agent made (cancel, timeout, shutdown, drain, isolation)
 * names the cause whatever the exit code; then Docker's OOMKilled flag; then the exit code.
 */
import type { AttemptEnd, FailureReason, Outcome, StopCause } from "@trainyard/common";

export type { StopCause };

/** What ended the container, from its exit and the stop the agent made, if any. */
export function ended(exit: { exitCode: number; oomKilled: boolean }, cause?: StopCause): AttemptEnd {
  return cause ? { kind: "stopped", cause, exitCode: exit.exitCode } : { kind: "exited", exitCode: exit.exitCode, oomKilled: exit.oomKilled };
}

const STOPPED: Record<StopCause["kind"], FailureReason> = {
  cancel: "CANCELLED",
  superseded: "CANCELLED",
  timeout: "TIMEOUT",
  shutdown: "CONTAINER_ERROR",
  drain: "NODE_LOST",
  preempted: "PREEMPTED",
  isolated: "NODE_LOST",
};

export function classify(end: AttemptEnd): Outcome {
  switch (end.kind) {
    case "exited":
      if (end.oomKilled) return { exitCode: end.exitCode, failureReason: "OOM_KILLED", end };
      return end.exitCode === 0 ? { exitCode: 0, end } : { exitCode: end.exitCode, failureReason: "EXIT_CODE", end };
    case "stopped":
      return { exitCode: end.exitCode, failureReason: STOPPED[end.cause.kind], end };
    case "image-unavailable":
      return { exitCode: -1, failureReason: "IMAGE_UNAVAILABLE", end };
    case "node-lost":
      return { exitCode: -1, failureReason: "NODE_LOST", end };
    case "mount-refused":
    case "never-started":
    case "restarted-before-start":
    case "container-error":
      return { exitCode: -1, failureReason: "CONTAINER_ERROR", end };
  }
}
