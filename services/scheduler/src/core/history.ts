/**
 * The history entries one applied input adds to a task: what happened, in words (narrate/).
 * Pure; transition.ts calls it with the record around the transition (a retry decision is the
 * new record's message).
 */
import {
  currentAttempt,
  lapseText,
  MAX_HISTORY,
  MAX_HISTORY_BYTES,
  noteText,
  outcomeWords,
  taskWords,
  type TaskEvent,
  type TaskRecord,
} from "@trainyard/common";
import type { Input } from "./transition.js";

export function historyEntries(before: TaskRecord, input: Input, after: TaskRecord): TaskEvent[] {
  const attempt = "attempt" in input ? input.attempt : currentAttempt(before).number;
  const at = (type: string, message: string, nodeId?: string): TaskEvent => ({ time: input.time, type, attempt, message, ...(nodeId ? { nodeId } : {}) });
  switch (input.type) {
    case "placed":
      return [at("placed", taskWords.placed(input.nodeId, input.gpuIds), input.nodeId)];
    case "unplaced":
      return [at("unplaced", taskWords.unplaced(input.attempt, input.why))];
    case "reserved":
    case "waiting":
      return [];
    case "stop":
      return [at(input.stop.kind === "preempted" ? "preempt-requested" : "drain-stop-requested", after.message, input.nodeId)];
    case "dispatched":
      return [at("dispatched", taskWords.dispatched(before.spec.pool, currentAttempt(before).placedOn), currentAttempt(before).placedOn)];
    case "dispatch-lost":
      return [at("dispatch-lost", taskWords.dispatchLost(input.attempt))];
    case "claimed":
      return [at("claimed", taskWords.claimed(input.nodeId), input.nodeId)];
    case "started":
      return [at("started", taskWords.started(input.containerId), input.nodeId)];
    case "progress":
    case "checkpoint": // Task.last_checkpoint says it; a save a minute would crowd the history out
      return [];
    case "note":
      return [at("note", noteText(input.note), input.nodeId)];
    case "cancel": {
      const by = input.principal ? { principal: input.principal } : {};
      return after.state === "CANCELLED"
        ? [{ ...at("cancelled", after.message), ...by }]
        : [{ ...at("cancel-requested", taskWords.cancelRequested(input.reason)), ...by }];
    }
    case "deps-met":
      return [at("dependencies-met", taskWords.dependenciesMet())];
    case "dependency-failed":
      return [at("cancelled", after.message)];
    case "finished":
    case "node-lost": {
      const first = input.type === "node-lost" ? at("node-lost", lapseText(input.lapse), input.nodeId) : at("exited", outcomeWords(input.outcome), input.nodeId);
      return [first, ending(after, at)];
    }
  }
}

function ending(after: TaskRecord, at: (type: string, message: string) => TaskEvent): TaskEvent {
  switch (after.state) {
    case "PENDING":
      return at("retry-scheduled", after.message);
    case "SUCCEEDED":
      return at("succeeded", taskWords.succeeded());
    case "CANCELLED":
      return at("cancelled", after.message);
    default:
      return at("failed", after.message);
  }
}

/** Appends, keeping at most MAX_HISTORY entries and MAX_HISTORY_BYTES of JSON (the oldest go first). */
export function appendHistory(task: TaskRecord, entries: TaskEvent[]): TaskRecord {
  if (!entries.length) return task;
  const all = [...(task.history ?? []), ...entries];
  let history = all.length > MAX_HISTORY ? all.slice(-MAX_HISTORY) : all;
  let bytes = history.reduce((n, e) => n + JSON.stringify(e).length + 1, 2);
  let drop = 0;
  while (bytes > MAX_HISTORY_BYTES && drop < history.length - 1) bytes -= JSON.stringify(history[drop++]).length + 1;
  if (drop) history = history.slice(drop);
  return { ...task, history };
}
