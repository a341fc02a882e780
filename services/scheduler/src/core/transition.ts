/**
 * The task state machine: what one input does to a task record. Pure; time is an input.
 *
 *   PENDING ──started (the container runs)──▶ RUNNING ──finished ok──▶ SUCCEEDED
 *      │ ▲                          ├──failed, a retry left──▶ PENDING (attempt n+1, after the delay)
 *      │ └──────────────────────────┤──failed, none left──▶ FAILED
 *      └──cancel──▶ CANCELLED ◀─────┘──cancelled (asked, or the agent's outcome)
 *
 * A claimed attempt stays PENDING (with its node) while its image is pulled and its container
 * created: RUNNING means the container runs.
 *
 * Inputs are agent events (claimed, started, progress, note, checkpoint, finished) and the scheduler's own
 * (placed, unplaced, reserved, waiting, stop, dispatched, dispatch-lost, cancel, node-lost,
 * deps-met, dependency-failed). Rules that make at-least-once delivery harmless:
 *   - a final task never changes (cancel of a finished task returns it unchanged);
 *   - an input for an attempt that is not the current one is ignored (fencing);
 *   - an input that was already applied changes nothing (`changed: false`);
 *   - an agent's event counts only from the node that holds the attempt: the one recorded, or
 *     before that the claims bucket's (another agent's forgery changes nothing).
 * `lines` are SYSTEM log lines the caller publishes before it stores the new record.
 * `now` is the scheduler's clock (retry delays count from it); an input's own `time` (the
 * agent's clock, for events) is what the record shows as when things happened.
 */
import {
  currentAttempt,
  endMessage,
  isFinal,
  noteText,
  retryText,
  taskWords,
  type AgentEvent,
  type Attempt,
  type LeaseLapse,
  type TaskRecord,
} from "@trainyard/common";
import { appendHistory, historyEntries } from "./history.js";
import { decideRetry } from "./retry.js";

/**
 * An agent's event as the event consumer hands it over: `holder` is the node the claims bucket
 * names for the attempt (null: nobody claimed it), read before the event is applied.
 */
export type Reported = AgentEvent & { holder: string | null };

export type Input =
  | Reported
  /** The placer put the pending attempt on a node (with these devices); `epoch`: its lease's. */
  | { type: "placed"; taskId: string; attempt: number; nodeId: string; gpuIds: string[]; epoch: number; time: number }
  /** Why the pending attempt is not placed (the placer's words): the task's message. */
  | { type: "waiting"; taskId: string; attempt: number; text: string; time: number }
  /** The placed attempt goes back to the queue before any agent claimed it (its node was lost). */
  | { type: "unplaced"; taskId: string; attempt: number; nodeId: string; why: string; time: number }
  /** Running attempts were preempted on `nodeId` for this pending attempt: the room there is its own. */
  | { type: "reserved"; taskId: string; attempt: number; nodeId: string; time: number }
  /** The placer stops the running attempt: preempted for a task of higher priority, or its node's drain deadline passed. */
  | { type: "stop"; taskId: string; attempt: number; nodeId: string; stop: StopRequest; time: number }
  /** The placement (`nodeId`, `placeTime`) was published at stream sequence `seq`. */
  | { type: "dispatched"; taskId: string; attempt: number; nodeId: string; placeTime: number; seq: number; time: number }
  /** The dispatch stored at `seq` left the queue but nobody claimed the attempt. */
  | { type: "dispatch-lost"; taskId: string; attempt: number; seq: number; time: number }
  /** `principal`: the token's name of who asked. */
  | { type: "cancel"; taskId: string; reason: string; time: number; principal?: string }
  | { type: "node-lost"; taskId: string; attempt: number; nodeId: string; lapse: LeaseLapse; time: number }
  /** Every dependency's condition holds: from now on the task is placed like any other. */
  | { type: "deps-met"; taskId: string; time: number }
  /** A dependency's condition can never hold (`why`): the waiting task ends CANCELLED, DEPENDENCY_FAILED. */
  | { type: "dependency-failed"; taskId: string; why: string; time: number };

export type StopRequest = { kind: "preempted"; forTaskId: string } | { kind: "drain" };

export interface Transition {
  task: TaskRecord;
  changed: boolean;
  /** `fence`: the line declares the attempt lost; the caller records its seq (Attempt.fenceSeq). */
  lines: { attempt: number; text: string; fence?: boolean }[];
}

export function transition(task: TaskRecord, input: Input, now: number = input.time): Transition {
  const t = decide(task, input, now);
  if (!t.changed) return t;
  return { ...t, task: appendHistory(t.task, historyEntries(task, input, t.task)) };
}

function decide(task: TaskRecord, input: Input, now: number): Transition {
  const unchanged: Transition = { task, changed: false, lines: [] };
  if (isFinal(task.state)) return unchanged;
  const cur = currentAttempt(task);
  if (input.type === "cancel") return cancel(task, cur, input.reason, input.time);
  if (input.type === "deps-met" || input.type === "dependency-failed") {
    const waits = task.state === "PENDING" && cur.number === 1 && cur.nodeId === undefined && task.spec.dependsOn?.length && task.depsMet === undefined;
    if (!waits) return unchanged;
    if (input.type === "deps-met") return changed({ ...task, depsMet: input.time, message: taskWords.waiting(task.spec.pool) }, [{ attempt: 1, text: taskWords.dependenciesMet() }]);
    const why = taskWords.dependencyFailed(input.why);
    const ended: Attempt = { ...cur, state: "CANCELLED", failureReason: "DEPENDENCY_FAILED", message: why, endTime: input.time };
    return changed({ ...withAttempt(task, ended), state: "CANCELLED", failureReason: "DEPENDENCY_FAILED", endTime: input.time, message: why }, [{ attempt: 1, text: why }]);
  }
  if (input.attempt !== cur.number || isFinal(cur.state)) return unchanged;
  if ("holder" in input && (cur.nodeId ?? input.holder) !== input.nodeId) return unchanged;

  switch (input.type) {
    case "placed": {
      if (task.state !== "PENDING" || cur.placedOn !== undefined || cur.nodeId !== undefined || task.cancel) return unchanged;
      // A dispatch from before placement (a pool's queue nothing reads now) is dropped with it.
      const { reservedOn: _r, ...rest } = unplace(cur);
      const a: Attempt = { ...rest, placedOn: input.nodeId, placeEpoch: input.epoch, placeTime: input.time, ...(input.gpuIds.length ? { gpuIds: input.gpuIds } : {}) };
      return changed(withAttempt(task, a, { message: taskWords.placed(input.nodeId, input.gpuIds) }));
    }

    case "waiting":
      if (task.state !== "PENDING" || cur.placedOn !== undefined || task.message === input.text) return unchanged;
      return changed({ ...task, message: input.text });

    case "unplaced": {
      if (task.state !== "PENDING" || cur.placedOn !== input.nodeId || cur.nodeId !== undefined) return unchanged;
      return changed(withAttempt(task, unplace(cur), { message: taskWords.waiting(task.spec.pool) }), [{ attempt: cur.number, text: taskWords.unplaced(cur.number, input.why) }]);
    }

    case "reserved":
      if (task.state !== "PENDING" || cur.placedOn !== undefined || cur.reservedOn === input.nodeId) return unchanged;
      return changed(withAttempt(task, { ...cur, reservedOn: input.nodeId }));

    case "stop": {
      if (task.state !== "RUNNING" || cur.nodeId !== input.nodeId || task.stop || task.cancel) return unchanged;
      const text = input.stop.kind === "preempted" ? taskWords.preempting(input.stop.forTaskId, cur.number) : taskWords.drainStop(input.nodeId);
      return changed({ ...task, stop: { ...input.stop, attempt: cur.number, time: input.time }, message: text }, [{ attempt: cur.number, text }]);
    }

    case "dispatched": {
      // Recorded after the message is out, so an agent may already run the attempt: the
      // dispatch is still recorded, but only a PENDING task's message changes. Only for the
      // placement that was published (a stale replica's, or one since replaced, changes nothing).
      if (cur.dispatchTime !== undefined || cur.placedOn !== input.nodeId || cur.placeTime !== input.placeTime) return unchanged;
      const a = { ...cur, dispatchTime: input.time, dispatchSeq: input.seq, dispatches: (cur.dispatches ?? 0) + 1 };
      return changed(withAttempt(task, a, task.state === "PENDING" && cur.placedOn === undefined ? { message: taskWords.waiting(task.spec.pool) } : {}));
    }

    case "dispatch-lost": {
      // Placed again: the node that took the message and did not run it may be gone.
      if (task.state !== "PENDING" || cur.nodeId !== undefined || cur.dispatchTime === undefined || cur.dispatchSeq !== input.seq) return unchanged;
      return changed(withAttempt(task, unplace(cur)), [{ attempt: cur.number, text: taskWords.dispatchLost(cur.number) }]);
    }

    case "claimed": {
      if (cur.nodeId !== undefined) return unchanged;
      // The claimant runs what it read when it claimed: its node and devices are the attempt's,
      // even if the record was placed anew meanwhile (its node was taken for lost).
      const { gpuIds: _g, ...rest } = cur;
      const gpus = input.gpuIds ?? cur.gpuIds ?? [];
      // The task stays PENDING until its container has started (an image may be pulling).
      const a: Attempt = { ...rest, nodeId: input.nodeId, placedOn: input.nodeId, claimTime: input.time, ...(gpus.length ? { gpuIds: gpus } : {}) };
      return changed(withAttempt(task, a, { message: taskWords.preparing(input.nodeId) }));
    }

    case "started":
      if (cur.containerId !== undefined) return unchanged;
      return changed(
        withAttempt(
          task,
          { ...cur, state: "RUNNING", nodeId: cur.nodeId ?? input.nodeId, containerId: input.containerId, startTime: input.time },
          { state: "RUNNING", startTime: task.startTime ?? input.time, message: taskWords.running(input.nodeId) },
        ),
      );

    case "progress": {
      const message = noteText(input.note);
      if (task.message === message || task.cancel) return unchanged;
      return changed({ ...task, message });
    }

    case "note": {
      // History only. A redelivered note (applied, then the ack was lost) is already there.
      const message = noteText(input.note);
      const again = task.history?.some((h) => h.type === "note" && h.time === input.time && h.attempt === input.attempt && h.message === message);
      return again ? unchanged : changed(task);
    }

    case "checkpoint": {
      // Only the holder's current attempt gets here (above); of its saves, only a newer one counts.
      const last = task.lastCheckpoint;
      if (!task.spec.checkpoint || (last && (last.attempt > input.attempt || (last.attempt === input.attempt && last.time >= input.time)))) return unchanged;
      return changed({ ...task, lastCheckpoint: { attempt: input.attempt, time: input.time, sizeBytes: input.sizeBytes, digest: input.digest } });
    }

    case "finished":
      return finished(task, cur, input, now);

    case "node-lost":
      // Only the node that holds the attempt (or, before its claim was applied, any) loses it.
      if (cur.nodeId !== undefined && cur.nodeId !== input.nodeId) return unchanged;
      return finished(
        task,
        cur,
        { ...input, type: "finished", outcome: { exitCode: -1, failureReason: "NODE_LOST", end: { kind: "node-lost", lapse: input.lapse } } },
        now,
        [{ attempt: cur.number, text: taskWords.attemptLost(cur.number, input.lapse), fence: true }],
      );
  }
}

function finished(
  task: TaskRecord,
  cur: Attempt,
  e: Extract<AgentEvent, { type: "finished" }>,
  now: number,
  before: Transition["lines"] = [],
): Transition {
  const { outcome } = e;
  const ok = outcome.failureReason === undefined;
  const cancelled = outcome.failureReason === "CANCELLED" || (!ok && task.cancel !== undefined);
  const reason = cancelled ? "CANCELLED" : outcome.failureReason;
  const ended: Attempt = {
    ...cur,
    state: ok ? "SUCCEEDED" : cancelled ? "CANCELLED" : "FAILED",
    nodeId: cur.nodeId ?? e.nodeId,
    exitCode: outcome.exitCode,
    message: endMessage(outcome.end),
    endTime: e.time,
    ...(reason ? { failureReason: reason } : {}),
  };
  const { stop: _stop, ...rest } = withAttempt(task, ended);
  const base: TaskRecord = { ...rest, exitCode: outcome.exitCode };
  if (reason) base.failureReason = reason;
  else delete base.failureReason;

  if (ok) return changed({ ...base, state: "SUCCEEDED", endTime: e.time, message: taskWords.succeeded() }, before);
  if (cancelled) return changed({ ...base, state: "CANCELLED", endTime: e.time, message: taskWords.cancelled(task.cancel?.reason ?? "") }, before);
  const retry = decideRetry(task.id, task.spec, cur.number, task.attempts.slice(0, -1), outcome);
  const text = retryText(retry, outcome);
  if (retry.retryClass) base.attempts = [...base.attempts.slice(0, -1), { ...ended, retryClass: retry.retryClass }];
  const lines = [...before, { attempt: cur.number, text }];
  if (!retry.retry) return changed({ ...base, state: "FAILED", endTime: e.time, message: text }, lines);
  const next: Attempt = { number: retry.nextAttempt, state: "PENDING", notBefore: now + retry.delayMs };
  return changed({ ...base, state: "PENDING", attempts: [...base.attempts, next], message: text }, lines);
}

function cancel(task: TaskRecord, cur: Attempt, reason: string, time: number): Transition {
  const why = taskWords.cancelled(reason);
  // Not claimed yet: cancelled at once. Claimed (its container being prepared): the agent stops it, as a running one.
  if (task.state === "PENDING" && cur.nodeId === undefined) {
    const ended: Attempt = { ...cur, state: "CANCELLED", failureReason: "CANCELLED", message: why, endTime: time };
    const { exitCode: _lastExit, ...rest } = withAttempt(task, ended);
    return changed(
      { ...rest, state: "CANCELLED", failureReason: "CANCELLED", endTime: time, message: why, cancel: { reason, time } },
      [{ attempt: cur.number, text: taskWords.cancelledWhilePending(reason) }],
    );
  }
  if (task.cancel) return { task, changed: false, lines: [] };
  return changed({ ...task, cancel: { reason, time }, message: taskWords.cancelling(reason) }, [
    { attempt: cur.number, text: taskWords.cancelRequested(reason) },
  ]);
}

/** The attempt as it was before it was placed and dispatched. */
function unplace(a: Attempt): Attempt {
  const { dispatchTime: _t, dispatchSeq: _s, placedOn: _p, placeEpoch: _e, placeTime: _pt, gpuIds: _g, ...rest } = a;
  return rest;
}

function withAttempt(task: TaskRecord, a: Attempt, patch: Partial<TaskRecord> = {}): TaskRecord {
  return { ...task, ...patch, attempts: [...task.attempts.slice(0, -1), a] };
}

function changed(task: TaskRecord, lines: Transition["lines"] = []): Transition {
  return { task, changed: true, lines };
}

/** The task with attempt `n` fenced at LOGS seq `seq`: frames of it stored later are not shown. */
export function withFenceSeq(task: TaskRecord, n: number, seq: number): TaskRecord {
  return { ...task, attempts: task.attempts.map((a) => (a.number === n ? { ...a, fenceSeq: seq } : a)) };
}
