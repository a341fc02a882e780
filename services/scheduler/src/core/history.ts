import { currentAttempt, MAX_HISTORY, type TaskEvent, type TaskRecord } from "@trainyard/common";
import { describeOutcome } from "./describe.js";
import type { Input } from "./transition.js";

/**
 * The history entries one applied input adds to a task: what happened, in words. Pure.
 * `before` and `after` are the record around the transition; `lines` its SYSTEM lines
 * (the retry decision is written the same way in both places).
 */
export function historyEntries(before: TaskRecord, input: Input, after: TaskRecord, lines: { text: string }[]): TaskEvent[] {
  const attempt = "attempt" in input ? input.attempt : currentAttempt(before).number;
  const at = (type: string, message: string, nodeId?: string): TaskEvent => ({ time: input.time, type, attempt, message, ...(nodeId ? { nodeId } : {}) });
  const decision = lines[lines.length - 1]?.text ?? "";
  switch (input.type) {
    case "dispatched":
      return [at("dispatched", `dispatched to pool ${before.spec.pool}`)];
    case "dispatch-lost":
      return [at("dispatch-lost", decision)];
    case "claimed":
      return [at("claimed", `claimed by node ${input.nodeId}`, input.nodeId)];
    case "started":
      return [at("started", `container ${input.containerId.slice(0, 12)} started`, input.nodeId)];
    case "progress":
      return [];
    case "note":
      return [at("note", input.message, input.nodeId)];
    case "cancel":
      return after.state === "CANCELLED"
        ? [at("cancelled", after.message)]
        : [at("cancel-requested", input.reason ? `cancel requested: ${input.reason}` : "cancel requested")];
    case "finished":
    case "node-lost": {
      const first =
        input.type === "node-lost"
          ? at("node-lost", input.why, input.nodeId)
          : at("exited", describeOutcome(input.outcome), input.nodeId);
      return [first, ending(after, decision, at)];
    }
  }
}

function ending(after: TaskRecord, decision: string, at: (type: string, message: string) => TaskEvent): TaskEvent {
  switch (after.state) {
    case "PENDING":
      return at("retry-scheduled", decision);
    case "SUCCEEDED":
      return at("succeeded", "succeeded");
    case "CANCELLED":
      return at("cancelled", after.message);
    default:
      return at("failed", after.message);
  }
}

/** Appends, keeping at most MAX_HISTORY entries (the oldest go first). */
export function appendHistory(task: TaskRecord, entries: TaskEvent[]): TaskRecord {
  if (!entries.length) return task;
  const history = [...(task.history ?? []), ...entries];
  return { ...task, history: history.length > MAX_HISTORY ? history.slice(-MAX_HISTORY) : history };
}
