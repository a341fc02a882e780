/**
 * What happened to an attempt, as data. Agents report these facts on the bus (events) and the
 * scheduler decides on them; narrate/ renders each into words exactly once (SYSTEM lines, the
 * attempt's and task's `message`, history entries). Nobody parses the words back.
 */
import type { FailureReason, RetryClass } from "./task.js";

/** Why the agent stopped an attempt's container (it names the outcome, whatever the exit code). */
export type StopCause =
  | { kind: "cancel"; reason: string }
  /** The record moved on: another attempt is current, or the task is final. */
  | { kind: "superseded" }
  | { kind: "timeout"; afterMs: number }
  /** The agent shut down before the container started. */
  | { kind: "shutdown" }
  /** A drain's deadline passed. */
  | { kind: "drain" }
  /** The placer stopped it to make room for a task of higher priority. */
  | { kind: "preempted"; forTaskId: string }
  /** Self-fencing: no heartbeat reached NATS for `silentMs`; SIGKILL after `graceMs` at most. */
  | { kind: "isolated"; silentMs: number; leaseMs: number; graceMs: number };

/** Why the scheduler takes a node as lost. */
export type LeaseLapse = { kind: "silent"; nodeId: string; silentMs: number } | { kind: "never-heartbeated"; nodeId: string };

/** How an attempt ended. */
export type AttemptEnd =
  /** The command ran and ended by itself. */
  | { kind: "exited"; exitCode: number; oomKilled: boolean }
  /** The agent stopped it; exitCode -1 when it never ran, or Docker failed once the stop had begun. */
  | { kind: "stopped"; cause: StopCause; exitCode: number }
  /** Docker could not have the image; `permanent`: waiting will not help (no such image, access denied). */
  | { kind: "image-unavailable"; error: string; permanent: boolean }
  /** The agent refused a mount of the spec (every attempt would be refused the same way). */
  | { kind: "mount-refused"; error: string }
  /** Created, never started: the agent restarted in between. */
  | { kind: "never-started" }
  /** Claimed by the agent's previous run, which stopped before there was a container. */
  | { kind: "restarted-before-start" }
  /** Docker failed us (create, start, the wait, an engine restart). */
  | { kind: "container-error"; error: string }
  /** The scheduler's: the node's lease lapsed. */
  | { kind: "node-lost"; lapse: LeaseLapse };

/** How an attempt ended, classified (the agent's classify; the scheduler's for a lost node). No failureReason: it succeeded. */
export interface Outcome {
  exitCode: number;
  failureReason?: FailureReason;
  end: AttemptEnd;
}

/** What the agent says while an attempt runs: a SYSTEM line, and a history entry or the task's message. */
export type AttemptNote =
  | { kind: "pulling"; image: string }
  | { kind: "pull-progress"; image: string; current: number; total: number }
  | { kind: "pulled"; image: string; ms: number }
  | { kind: "reattached"; running: boolean }
  | { kind: "stopping"; cause: StopCause }
  | { kind: "sigterm"; killAfterMs: number }
  | { kind: "sigkill"; afterMs: number }
  /** The newest checkpoint (of attempt `fromAttempt`) was put into the container before it started. */
  | { kind: "checkpoint-restored"; fromAttempt: number; sizeBytes: number; ms: number; path: string }
  /** A save failed or was skipped; the attempt runs on (the last complete save stays). */
  | { kind: "checkpoint-not-saved"; error: string }
  /** The recorded save could not be had (gone, or not the recorded data): the attempt starts without it. */
  | { kind: "checkpoint-not-restored"; fromAttempt: number; error: string };

/** The retry policy's decision after a failed attempt (the scheduler's core/retry.ts). */
export type RetryDecision =
  | { retry: true; failed: number; nextAttempt: number; delayMs: number; retryClass: "task"; /** attempts in all, as far as known now */ of: number }
  | { retry: true; failed: number; nextAttempt: number; delayMs: number; retryClass: "infra"; infraUsed: number; maxInfra: number }
  | {
      retry: false;
      failed: number;
      retryClass?: RetryClass;
      why: "cancelled" | "not-retryable" | "timeout-not-retried" | "retries-used" | "infra-retries-used";
      maxInfra?: number;
    };

const kinds = <K extends string>(all: Record<K, true>): ReadonlySet<string> => new Set(Object.keys(all));

/** Every kind, for checking what comes off the bus. */
export const KINDS = {
  stop: kinds<StopCause["kind"]>({ cancel: true, superseded: true, timeout: true, shutdown: true, drain: true, preempted: true, isolated: true }),
  end: kinds<AttemptEnd["kind"]>({
    exited: true,
    stopped: true,
    "image-unavailable": true,
    "mount-refused": true,
    "never-started": true,
    "restarted-before-start": true,
    "container-error": true,
    "node-lost": true,
  }),
  note: kinds<AttemptNote["kind"]>({ pulling: true, "pull-progress": true, pulled: true, reattached: true, stopping: true, sigterm: true, sigkill: true, "checkpoint-restored": true, "checkpoint-not-saved": true, "checkpoint-not-restored": true }),
  lapse: kinds<LeaseLapse["kind"]>({ silent: true, "never-heartbeated": true }),
};
