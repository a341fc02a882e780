/** A task's history (core/history.ts via transition): one entry per fact, in order, in words. */
import { describe, expect, it } from "vitest";
import { MAX_HISTORY, MAX_HISTORY_BYTES, type TaskRecord } from "@trainyard/common";
import { appendHistory } from "../src/core/history.js";
import { newTask } from "../src/core/new-task.js";
import { transition, type Input } from "../src/core/transition.js";
import { input, outcomes, spec, TASK_ID } from "./fixtures.js";

function run(t: TaskRecord, ...ins: Input[]): TaskRecord {
  return ins.reduce((acc, i) => transition(acc, i).task, t);
}

const BY = { namespace: "team-a", name: "alice" };

describe("history", () => {
  it("records submission, dispatch, claim, start, notes, exit and the retry decision, then the end", () => {
    const t = run(
      newTask(TASK_ID, spec({ retry: { maxRetries: 1, delayMs: 5_000 } }), 1_000, BY),
      input.placed(1, 1_500),
      input.dispatched(1, 2_000, 7, 1_500),
      input.claimed(1, 3_000, "n1"),
      input.note({ kind: "pulled", image: "busybox", ms: 1_000 }, 1, 3_500),
      input.started(1, 4_000, "n1"),
      input.progress(1, "busybox", 4_500),
      input.finished(outcomes.EXIT_CODE, 1, 5_000, "n1"),
      input.placed(2, 10_500),
      input.dispatched(2, 11_000, 8, 10_500),
      input.nodeLost(2, 30_000, "n2"),
    );
    expect(t.history!.map((e) => [e.type, e.attempt, e.message])).toEqual([
      ["submitted", 1, "submitted: busybox"],
      ["placed", 1, "placed on node n1"],
      ["dispatched", 1, "dispatched to node n1"],
      ["claimed", 1, "claimed by node n1"],
      ["note", 1, "pulled image busybox in 1s"],
      ["started", 1, "container c1 started"],
      ["exited", 1, "exit code 3"],
      ["retry-scheduled", 1, "attempt 2 of 2 in 5s after exit code 3"],
      ["placed", 2, "placed on node n1"],
      ["dispatched", 2, "dispatched to node n1"],
      ["node-lost", 2, "no heartbeat from node n2 for 16s"],
      ["retry-scheduled", 2, "attempt 3 in 5s after node lost (infrastructure retry 1 of 5; max_retries untouched)"],
    ]);
    expect(t.history![3]!.nodeId).toBe("n1");
  });

  it("records a cancel request and the cancellation, and who asked", () => {
    const cancel = { ...input.cancel("stop", 4_000), principal: "bob" };
    const t = run(newTask(TASK_ID, spec(), 1_000, BY), input.dispatched(1, 2_000), input.claimed(1, 3_000), cancel, input.finished(outcomes.CANCELLED, 1, 5_000));
    expect(t.history!.slice(-3).map((e) => [e.type, e.principal])).toEqual([["cancel-requested", "bob"], ["exited", undefined], ["cancelled", undefined]]);
    expect(t.history![0]).toMatchObject({ type: "submitted", principal: "alice" });
    expect(t).toMatchObject({ namespace: "team-a", createdBy: "alice" });
  });

  it("an input that changes nothing adds nothing", () => {
    const t = run(newTask(TASK_ID, spec(), 1_000, BY), input.placed(1, 1_500), input.dispatched(1, 2_000, 7, 1_500));
    expect(transition(t, input.dispatched(1, 2_500, 7, 1_500)).task.history).toHaveLength(3);
  });

  it("keeps at most MAX_HISTORY entries, dropping the oldest", () => {
    const t = newTask(TASK_ID, spec(), 1_000, BY);
    const many = Array.from({ length: MAX_HISTORY + 10 }, (_, i) => ({ time: i, type: "note", attempt: 1, message: String(i) }));
    const h = appendHistory(t, many).history!;
    expect(h).toHaveLength(MAX_HISTORY);
    expect(h[h.length - 1]!.message).toBe(String(MAX_HISTORY + 9));
  });

  it("keeps at most MAX_HISTORY_BYTES of JSON, dropping the oldest, so a record stays far below NATS's 1 MiB", () => {
    const t = newTask(TASK_ID, spec(), 1_000, BY);
    const long = Array.from({ length: 300 }, (_, i) => ({ time: i, type: "note", attempt: 1, message: `${i} ${"x".repeat(1_000)}` }));
    const h = appendHistory(t, long).history!;
    expect(JSON.stringify(h).length).toBeLessThanOrEqual(MAX_HISTORY_BYTES);
    expect(h.length).toBeGreaterThan(100);
    expect(h[h.length - 1]!.message.startsWith("299 ")).toBe(true);
  });
});
