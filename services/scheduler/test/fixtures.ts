/**
 * Plain-data fixtures for the scheduler's pure core: specs, task records in every lifecycle
 * state, and the inputs the state machine accepts. Times are small fixed numbers so that
 * expectations can be written by hand.
 */
import { taskSpec } from "../../../packages/common/test/fixtures.js";
import type { Attempt, AttemptEnd, AttemptNote, FailureReason, LogFrame, Outcome, StopCause, StreamName, TaskRecord, TaskSpec } from "@trainyard/common";
import type { Input } from "../src/core/transition.js";

export const TASK_ID = "t-0000000000000000000000";
export const NODE = "n1";
export const CONTAINER = "c1";

/** Lifecycle times: created, dispatched, claimed, started, cancel asked, ended, input time. */
export const T = { create: 1_000, dispatch: 2_000, claim: 3_000, start: 4_000, cancel: 5_000, end: 6_000, now: 10_000 } as const;

export function spec(patch: Partial<TaskSpec> = {}): TaskSpec {
  return taskSpec({ command: ["sh", "-c", "exit 3"], ...patch });
}

export function record(patch: Partial<TaskRecord> = {}, s: TaskSpec = spec()): TaskRecord {
  return {
    id: TASK_ID,
    spec: s,
    state: "PENDING",
    attempts: [{ number: 1, state: "PENDING", notBefore: T.create }],
    message: `waiting for an agent in pool ${s.pool}`,
    createTime: T.create,
    ...patch,
  };
}

/** Replaces the current (last) attempt. */
function withCurrent(task: TaskRecord, a: Partial<Attempt>, patch: Partial<TaskRecord>): TaskRecord {
  const cur = task.attempts[task.attempts.length - 1]!;
  return { ...task, ...patch, attempts: [...task.attempts.slice(0, -1), { ...cur, ...a }] };
}

/** The task states the transition table runs over, each as a function of the spec. */
export const states = {
  /** Placed on NODE by the placer, not yet published. */
  "PENDING undispatched": (s: TaskSpec = spec()): TaskRecord => withCurrent(record({}, s), { placedOn: NODE, placeEpoch: 1, placeTime: T.create }, {}),
  "PENDING dispatched": (s: TaskSpec = spec()): TaskRecord =>
    withCurrent(record({}, s), { placedOn: NODE, placeEpoch: 1, placeTime: T.create, dispatchTime: T.dispatch, dispatchSeq: 7, dispatches: 1 }, {}),
  /** Claimed by NODE, its container not started yet (an image may be pulling): still PENDING. */
  "PENDING claimed": (s: TaskSpec = spec()): TaskRecord =>
    withCurrent(states["PENDING dispatched"](s), { nodeId: NODE, claimTime: T.claim }, { message: `preparing on node ${NODE}` }),
  "RUNNING started": (s: TaskSpec = spec()): TaskRecord =>
    withCurrent(states["PENDING claimed"](s), { state: "RUNNING", containerId: CONTAINER, startTime: T.start }, { state: "RUNNING", startTime: T.start, message: `running on node ${NODE}` }),
  "RUNNING cancel requested": (s: TaskSpec = spec()): TaskRecord => ({
    ...states["RUNNING started"](s),
    cancel: { reason: "by user", time: T.cancel },
    message: "cancelling: by user",
  }),
  SUCCEEDED: (s: TaskSpec = spec()): TaskRecord =>
    withCurrent(
      states["RUNNING started"](s),
      { state: "SUCCEEDED", exitCode: 0, message: "exit code 0", endTime: T.end },
      { state: "SUCCEEDED", exitCode: 0, endTime: T.end, message: "succeeded" },
    ),
  FAILED: (s: TaskSpec = spec()): TaskRecord =>
    withCurrent(
      states["RUNNING started"](s),
      { state: "FAILED", exitCode: 3, failureReason: "EXIT_CODE", message: "exit code 3", endTime: T.end },
      { state: "FAILED", exitCode: 3, failureReason: "EXIT_CODE", endTime: T.end, message: "failed after 4 attempts: exit code 3" },
    ),
  CANCELLED: (s: TaskSpec = spec()): TaskRecord =>
    withCurrent(
      states["PENDING dispatched"](s),
      { state: "CANCELLED", failureReason: "CANCELLED", message: "cancelled: by user", endTime: T.cancel },
      { state: "CANCELLED", failureReason: "CANCELLED", endTime: T.cancel, message: "cancelled: by user", cancel: { reason: "by user", time: T.cancel } },
    ),
};

export type StateName = keyof typeof states;

const exited = (exitCode: number, oomKilled = false): AttemptEnd => ({ kind: "exited", exitCode, oomKilled });
const stopped = (cause: StopCause, exitCode: number): AttemptEnd => ({ kind: "stopped", cause, exitCode });

/** Outcomes as the agent's classify() produces them. */
export const outcomes = {
  success: { exitCode: 0, end: exited(0) },
  EXIT_CODE: { exitCode: 3, failureReason: "EXIT_CODE", end: exited(3) },
  OOM_KILLED: { exitCode: 137, failureReason: "OOM_KILLED", end: exited(137, true) },
  TIMEOUT: { exitCode: 137, failureReason: "TIMEOUT", end: stopped({ kind: "timeout", afterMs: 30_000 }, 137) },
  CANCELLED: { exitCode: 143, failureReason: "CANCELLED", end: stopped({ kind: "cancel", reason: "by user" }, 143) },
  IMAGE_UNAVAILABLE: { exitCode: -1, failureReason: "IMAGE_UNAVAILABLE", end: { kind: "image-unavailable", error: "pull access denied for nope", permanent: true } },
  NODE_LOST: { exitCode: -1, failureReason: "NODE_LOST", end: { kind: "node-lost", lapse: { kind: "never-heartbeated", nodeId: NODE } } },
  CONTAINER_ERROR: { exitCode: -1, failureReason: "CONTAINER_ERROR", end: { kind: "container-error", error: "no such file" } },
  PREEMPTED: { exitCode: 143, failureReason: "PREEMPTED", end: stopped({ kind: "preempted", forTaskId: "t-urgent" }, 143) },
} satisfies Record<string, Outcome>;

/** Agent events come from the node the claims bucket names, unless a test says otherwise. */
const base = { taskId: TASK_ID, nodeId: NODE, holder: NODE };

export const input = {
  /** The placer put the attempt on NODE at T.create. */
  placed: (attempt = 1, time: number = T.create, gpuIds: string[] = []): Input => ({ type: "placed", taskId: TASK_ID, attempt, nodeId: NODE, gpuIds, epoch: 1, time }),
  /** The placement `input.placed` made was published at `seq`. */
  dispatched: (attempt = 1, time: number = T.now, seq = 7, placeTime: number = T.create): Input => ({ type: "dispatched", taskId: TASK_ID, attempt, nodeId: NODE, placeTime, seq, time }),
  dispatchLost: (attempt = 1, time: number = T.now, seq = 7): Input => ({ type: "dispatch-lost", taskId: TASK_ID, attempt, seq, time }),
  claimed: (attempt = 1, time: number = T.now, nodeId: string = NODE, holder: string | null = nodeId): Input => ({ type: "claimed", ...base, nodeId, holder, attempt, time }),
  started: (attempt = 1, time: number = T.now, nodeId: string = NODE): Input => ({ type: "started", ...base, nodeId, holder: nodeId, attempt, containerId: CONTAINER, time }),
  /** "pulling image <image>" (a progress note). */
  progress: (attempt = 1, image = "busybox", time: number = T.now): Input => ({ type: "progress", ...base, attempt, note: { kind: "pulling", image }, time }),
  note: (note: AttemptNote, attempt = 1, time: number = T.now): Input => ({ type: "note", ...base, attempt, note, time }),
  finished: (outcome: Outcome, attempt = 1, time: number = T.now, nodeId: string = NODE, holder: string | null = nodeId): Input => ({
    type: "finished",
    ...base,
    nodeId,
    holder,
    attempt,
    outcome,
    time,
  }),
  cancel: (reason = "by user", time: number = T.now): Input => ({ type: "cancel", taskId: TASK_ID, reason, time }),
  nodeLost: (attempt = 1, time: number = T.now, nodeId: string = NODE, silentMs = 16_000): Input => ({
    type: "node-lost",
    taskId: TASK_ID,
    attempt,
    nodeId,
    lapse: { kind: "silent", nodeId, silentMs },
    time,
  }),
};

/**
 * An outcome with `reason`, as the agent would report it; `detail` is the error text of
 * IMAGE_UNAVAILABLE and CONTAINER_ERROR. A pull failure is permanent unless `transient`.
 */
export function outcome(reason: FailureReason | undefined, exitCode = reason ? 1 : 0, detail = "boom", transient = false): Outcome {
  const end = ((): AttemptEnd => {
    switch (reason) {
      case undefined:
      case "EXIT_CODE":
        return exited(exitCode);
      case "OOM_KILLED":
        return exited(exitCode, true);
      case "TIMEOUT":
        return stopped({ kind: "timeout", afterMs: 30_000 }, exitCode);
      case "CANCELLED":
        return stopped({ kind: "cancel", reason: "" }, exitCode);
      case "NODE_LOST":
        return { kind: "node-lost", lapse: { kind: "never-heartbeated", nodeId: NODE } };
      case "IMAGE_UNAVAILABLE":
        return { kind: "image-unavailable", error: detail, permanent: !transient };
      case "CONTAINER_ERROR":
        return { kind: "container-error", error: detail };
      case "PREEMPTED":
        return stopped({ kind: "preempted", forTaskId: "t-urgent" }, exitCode);
      case "DEPENDENCY_FAILED":
        throw new Error("DEPENDENCY_FAILED is the scheduler's, never an agent's outcome");
    }
  })();
  return reason ? { exitCode, failureReason: reason, end } : { exitCode, end };
}

/** Freezes a value and everything in it, so a test fails if the code under test mutates it. */
export function deepFreeze<V>(v: V): V {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export function frame(data: string, seq = 1, stream: StreamName = "stdout"): LogFrame {
  return { seq, attempt: 1, stream, time: seq, data: Buffer.from(data) };
}
