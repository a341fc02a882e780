/**
 * The task state machine (core/transition.ts) as a table over every (state × input), then the
 * rules that make at-least-once delivery harmless: fencing, idempotence, final states, retries,
 * cancel, events out of order.
 */
import { describe, expect, it } from "vitest";
import type { FailureReason, TaskRecord, TaskState } from "@trainyard/common";
import { transition, withFenceSeq, type Input } from "../src/core/transition.js";
import { deepFreeze, input, NODE, outcomes, spec, states, T, TASK_ID, type StateName } from "./fixtures.js";

type Expect =
  | "unchanged"
  | {
      state: TaskState;
      /** States of every attempt, oldest first. */
      attempts: TaskState[];
      lines: string[];
      message: string;
      /** null: the task has no failureReason. */
      failureReason?: FailureReason | null;
      exitCode?: number;
      cancelRequested?: boolean;
    };

type Change = Exclude<Expect, "unchanged">;

const inputs = {
  dispatched: input.dispatched(),
  "dispatch-lost": input.dispatchLost(),
  claimed: input.claimed(),
  started: input.started(),
  progress: input.progress(),
  note: input.note({ kind: "pulled", image: "busybox", ms: 1_200 }),
  "finished success": input.finished(outcomes.success),
  "finished EXIT_CODE": input.finished(outcomes.EXIT_CODE),
  "finished OOM_KILLED": input.finished(outcomes.OOM_KILLED),
  "finished TIMEOUT": input.finished(outcomes.TIMEOUT),
  "finished CANCELLED": input.finished(outcomes.CANCELLED),
  "finished IMAGE_UNAVAILABLE": input.finished(outcomes.IMAGE_UNAVAILABLE),
  cancel: input.cancel("by user"),
  "node-lost": input.nodeLost(),
} satisfies Record<string, Input>;
type InputName = keyof typeof inputs;

const retried = (why: string, failureReason: FailureReason, exitCode: number): Change => ({
  state: "PENDING",
  attempts: ["FAILED", "PENDING"],
  lines: [`attempt 2 of 4 in 5s after ${why}`],
  message: `attempt 2 of 4 in 5s after ${why}`,
  failureReason,
  exitCode,
});
const failedAt = (text: string, failureReason: FailureReason, exitCode: number): Change => ({
  state: "FAILED",
  attempts: ["FAILED"],
  lines: [text],
  message: text,
  failureReason,
  exitCode,
});
const succeeded: Change = { state: "SUCCEEDED", attempts: ["SUCCEEDED"], lines: [], message: "succeeded", failureReason: null, exitCode: 0 };
const cancelledByAgent = (message: string, exitCode: number): Change => ({
  state: "CANCELLED",
  attempts: ["CANCELLED"],
  lines: [],
  message,
  failureReason: "CANCELLED",
  exitCode,
});
const finishedRow = {
  "finished success": succeeded,
  "finished EXIT_CODE": retried("exit code 3", "EXIT_CODE", 3),
  "finished OOM_KILLED": retried("OOM killed (out of memory)", "OOM_KILLED", 137),
  "finished TIMEOUT": failedAt("failed: timeout 30s (timeouts are not retried; see retry_on_timeout)", "TIMEOUT", 137),
  "finished CANCELLED": cancelledByAgent("cancelled", 143),
  "finished IMAGE_UNAVAILABLE": failedAt("failed: image unavailable: pull access denied for nope (not retryable)", "IMAGE_UNAVAILABLE", -1),
} satisfies Partial<Record<InputName, Expect>>;

const lostRetried: Change = {
  state: "PENDING",
  attempts: ["FAILED", "PENDING"],
  lines: [
    "attempt 1 lost: no heartbeat from node n1 for 16s; its later output is not shown",
    "attempt 2 in 5s after node lost (infrastructure retry 1 of 5; max_retries untouched)",
  ],
  message: "attempt 2 in 5s after node lost (infrastructure retry 1 of 5; max_retries untouched)",
  failureReason: "NODE_LOST",
  exitCode: -1,
};
const pending = (message = "waiting for an agent in pool default"): Change => ({ state: "PENDING", attempts: ["PENDING"], lines: [], message });
const running = (message: string): Change => ({ state: "RUNNING", attempts: ["RUNNING"], lines: [], message });
const cancelWhilePending: Change = {
  state: "CANCELLED",
  attempts: ["CANCELLED"],
  lines: ["cancelled: by user (while pending)"],
  message: "cancelled: by user",
  failureReason: "CANCELLED",
  cancelRequested: true,
};
const cancelWhileRunning: Change = {
  state: "RUNNING",
  attempts: ["RUNNING"],
  lines: ["cancel requested: by user"],
  message: "cancelling: by user",
  cancelRequested: true,
};
const allUnchanged = Object.fromEntries(Object.keys(inputs).map((k) => [k, "unchanged"])) as Record<InputName, Expect>;

/** A PENDING task, dispatched or not, takes every input but the dispatch ones alike. */
const pendingRow = {
  claimed: pending(`preparing on node ${NODE}`),
  started: running(`running on node ${NODE}`),
  progress: pending("pulling image busybox"),
  note: pending(),
  ...finishedRow,
  cancel: cancelWhilePending,
  "node-lost": lostRetried,
} satisfies Partial<Record<InputName, Expect>>;

const table: Record<StateName, Record<InputName, Expect>> = {
  "PENDING undispatched": { dispatched: pending(), "dispatch-lost": "unchanged", ...pendingRow },
  "PENDING dispatched": {
    dispatched: "unchanged",
    "dispatch-lost": { ...pending(), lines: ["dispatch of attempt 1 was taken but not run; dispatching it again"] },
    ...pendingRow,
  },
  "PENDING claimed": {
    dispatched: "unchanged",
    "dispatch-lost": "unchanged",
    claimed: "unchanged",
    started: running(`running on node ${NODE}`),
    progress: pending("pulling image busybox"),
    note: pending(`preparing on node ${NODE}`),
    ...finishedRow,
    // Its agent is preparing the container: the agent stops it, as a running one.
    cancel: { ...cancelWhileRunning, state: "PENDING", attempts: ["PENDING"] },
    "node-lost": lostRetried,
  },
  "RUNNING started": {
    dispatched: "unchanged",
    "dispatch-lost": "unchanged",
    claimed: "unchanged",
    started: "unchanged",
    progress: running("pulling image busybox"),
    note: running(`running on node ${NODE}`),
    ...finishedRow,
    cancel: cancelWhileRunning,
    "node-lost": lostRetried,
  },
  "RUNNING cancel requested": {
    dispatched: "unchanged",
    "dispatch-lost": "unchanged",
    claimed: "unchanged",
    started: "unchanged",
    // Once cancelling, progress no longer replaces "cancelling: by user".
    progress: "unchanged",
    "finished success": { ...succeeded, cancelRequested: true },
    "finished EXIT_CODE": { ...cancelledByAgent("cancelled: by user", 3), cancelRequested: true },
    "finished OOM_KILLED": { ...cancelledByAgent("cancelled: by user", 137), cancelRequested: true },
    "finished TIMEOUT": { ...cancelledByAgent("cancelled: by user", 137), cancelRequested: true },
    "finished CANCELLED": { ...cancelledByAgent("cancelled: by user", 143), cancelRequested: true },
    "finished IMAGE_UNAVAILABLE": { ...cancelledByAgent("cancelled: by user", -1), cancelRequested: true },
    note: { ...running("cancelling: by user"), cancelRequested: true },
    cancel: "unchanged",
    "node-lost": {
      ...cancelledByAgent("cancelled: by user", -1),
      lines: ["attempt 1 lost: no heartbeat from node n1 for 16s; its later output is not shown"],
      cancelRequested: true,
    },
  },
  SUCCEEDED: allUnchanged,
  FAILED: allUnchanged,
  CANCELLED: allUnchanged,
};

const cells = (Object.keys(table) as StateName[]).flatMap((s) =>
  (Object.keys(inputs) as InputName[]).map((i) => {
    const e = table[s][i];
    const to = e === "unchanged" ? "unchanged" : `${e.state} [${e.attempts.join(", ")}]`;
    return { name: `${s} + ${i} → ${to}`, s, i, e };
  }),
);
const rows = cells.map((c) => [c.name, c] as const);

describe("transition: every state × every input", () => {
  it.each(rows)("%s", (_, { s, i, e }) => {
    const before = deepFreeze(states[s]());
    const r = transition(before, inputs[i]);
    if (e === "unchanged") {
      expect(r.changed).toBe(false);
      expect(r.task).toBe(before);
      expect(r.lines).toEqual([]);
      return;
    }
    expect(r.changed).toBe(true);
    expect(r.task.state).toBe(e.state);
    expect(r.task.attempts.map((a) => a.state)).toEqual(e.attempts);
    expect(r.task.attempts.map((a) => a.number)).toEqual(e.attempts.map((_, n) => n + 1));
    expect(r.lines.map((l) => l.text)).toEqual(e.lines);
    expect(r.lines.map((l) => [l.attempt, l.fence ?? false])).toEqual(e.lines.map((text) => [1, text.includes(" lost: ")]));
    expect(r.task.message).toBe(e.message);
    if (e.failureReason === null) expect(r.task).not.toHaveProperty("failureReason");
    else if (e.failureReason) expect(r.task.failureReason).toBe(e.failureReason);
    if (e.exitCode !== undefined) expect(r.task.exitCode).toBe(e.exitCode);
    expect(r.task.cancel !== undefined).toBe(e.cancelRequested ?? false);
    // Identity and history never change.
    expect(r.task.id).toBe(before.id);
    expect(r.task.spec).toEqual(before.spec);
    expect(r.task.createTime).toBe(before.createTime);
    // A final task has an end time; a non-final one has none.
    expect(r.task.endTime !== undefined).toBe(["SUCCEEDED", "FAILED", "CANCELLED"].includes(e.state));
  });

  it.each(rows.map(([, c]) => [`${c.s} + ${c.i} twice: the second application changes nothing`, c] as const))("%s", (_, { s, i }) => {
    const once = transition(deepFreeze(states[s]()), inputs[i]).task;
    const twice = transition(deepFreeze(once), inputs[i]);
    expect(twice.changed).toBe(false);
    expect(twice.task).toBe(once);
    expect(twice.lines).toEqual([]);
  });
});

describe("transition: what each input records", () => {
  it("dispatched stamps the attempt's dispatch time, message sequence and count, and nothing else", () => {
    const before = states["PENDING undispatched"]();
    const r = transition(before, input.dispatched(1, 2_500, 42));
    expect(r.task.attempts).toEqual([{ ...before.attempts[0], dispatchTime: 2_500, dispatchSeq: 42, dispatches: 1 }]);
    expect(r.task.state).toBe("PENDING");
  });

  it("dispatch-lost makes the attempt due again and keeps the count, so the next message id differs", () => {
    const r = transition(states["PENDING dispatched"](), input.dispatchLost());
    const a = r.task.attempts[0]!;
    expect(a.dispatchTime).toBeUndefined();
    expect(a.dispatchSeq).toBeUndefined();
    expect(a.dispatches).toBe(1);
    const again = transition(transition(r.task, input.placed(1, T.now)).task, input.dispatched(1, T.now + 1, 99, T.now));
    expect(again.task.attempts[0]).toMatchObject({ dispatchSeq: 99, dispatches: 2 });
  });

  it("retry delays count from the scheduler's clock, not the agent's", () => {
    const agentTime = 1_000_000;
    const schedulerNow = 2_000_000;
    const r = transition(states["RUNNING started"](), input.finished(outcomes.EXIT_CODE, 1, agentTime), schedulerNow);
    expect(r.task.attempts[1]!.notBefore).toBe(schedulerNow + 5_000);
    expect(r.task.attempts[0]!.endTime).toBe(agentTime);
  });

  it("node-lost ends the attempt NODE_LOST with a fencing line; withFenceSeq records where it went", () => {
    const r = transition(states["RUNNING started"](), input.nodeLost(1, 9_000));
    expect(r.task.attempts[0]).toMatchObject({ failureReason: "NODE_LOST", message: "no heartbeat from node n1 for 16s" });
    expect(r.lines[0]).toEqual({ attempt: 1, text: "attempt 1 lost: no heartbeat from node n1 for 16s; its later output is not shown", fence: true });
    expect(withFenceSeq(r.task, 1, 42).attempts[0]!.fenceSeq).toBe(42);
    expect(withFenceSeq(r.task, 1, 42).attempts.slice(1)).toEqual(r.task.attempts.slice(1));
  });

  it("claimed records node and claim time on the attempt; the task stays PENDING until its container runs", () => {
    const r = transition(states["PENDING dispatched"](), input.claimed(1, 3_500, "gpu-7"));
    expect(r.task.attempts[0]).toMatchObject({ state: "PENDING", nodeId: "gpu-7", claimTime: 3_500 });
    expect(r.task).toMatchObject({ state: "PENDING", message: "preparing on node gpu-7" });
    expect(r.task.startTime).toBeUndefined();
  });

  it("started records container and start time on the attempt and the task", () => {
    const r = transition(states["PENDING claimed"](), input.started(1, 4_500));
    expect(r.task.attempts[0]).toMatchObject({ state: "RUNNING", nodeId: NODE, containerId: "c1", startTime: 4_500 });
    expect(r.task.startTime).toBe(4_500);
  });

  it("an agent's event counts only from the node that holds the attempt: the recorded one, else the claims bucket's", () => {
    const ignored = (task: TaskRecord, e: Input) => expect(transition(deepFreeze(task), e).changed, JSON.stringify(e)).toBe(false);
    // Recorded holder n1: another node's events change nothing, whatever the claims bucket says.
    for (const e of [input.started(1, 4_500, "n9"), input.finished(outcomes.success, 1, 5_000, "n9"), input.claimed(1, 4_000, "n9")]) ignored(states["PENDING claimed"](), e);
    // Nothing recorded yet: the claims bucket decides; nobody claimed means nobody holds it.
    ignored(states["PENDING dispatched"](), input.claimed(1, 3_500, "n9", "n1"));
    ignored(states["PENDING dispatched"](), input.claimed(1, 3_500, "n9", null));
    ignored(states["PENDING dispatched"](), input.finished(outcomes.success, 1, 5_000, "n9", "n1"));
    expect(transition(states["PENDING dispatched"](), input.claimed(1, 3_500, "n9", "n9")).task.attempts[0]!.nodeId).toBe("n9");
  });

  it("finished records exit code, reason, message, end time and node on the attempt", () => {
    const r = transition(states["RUNNING started"](), input.finished(outcomes.OOM_KILLED, 1, 7_000));
    expect(r.task.attempts[0]).toEqual({
      number: 1,
      state: "FAILED",
      notBefore: T.create,
      placedOn: NODE,
      placeEpoch: 1,
      placeTime: T.create,
      dispatchTime: T.dispatch,
      dispatchSeq: 7,
      dispatches: 1,
      nodeId: NODE,
      claimTime: T.claim,
      containerId: "c1",
      startTime: T.start,
      endTime: 7_000,
      exitCode: 137,
      failureReason: "OOM_KILLED",
      message: "OOM killed (exit code 137)",
      retryClass: "task",
    });
  });

  it("a successful attempt has no failureReason", () => {
    const r = transition(states["RUNNING started"](), input.finished(outcomes.success));
    expect(r.task.attempts[0]).not.toHaveProperty("failureReason");
    expect(r.task).toMatchObject({ state: "SUCCEEDED", exitCode: 0, endTime: T.now });
  });

  it("progress only replaces the message", () => {
    const before = states["RUNNING started"]();
    const r = transition(before, { ...input.progress(1), note: { kind: "pull-progress", image: "busybox", current: 5e6, total: 1e7 } } as Input);
    expect(r.task).toEqual({ ...before, message: "pulling image busybox: 50% (5.0 of 10.0 MB)" });
  });

  it("progress with the message already shown changes nothing", () => {
    const before = { ...states["RUNNING started"](), message: "pulling image busybox" };
    expect(transition(before, input.progress(1, "busybox"))).toEqual({ task: before, changed: false, lines: [] });
  });
});

describe("transition: fencing (inputs for another attempt are ignored)", () => {
  const onAttempt2 = () => transition(states["RUNNING started"](), input.finished(outcomes.EXIT_CODE)).task;
  const stale: [string, Input][] = [
    ["dispatched", input.dispatched(1)],
    ["claimed", input.claimed(1)],
    ["started", input.started(1)],
    ["progress", input.progress(1, "late")],
    ["finished success", input.finished(outcomes.success, 1)],
    ["finished EXIT_CODE", input.finished(outcomes.EXIT_CODE, 1)],
    ["finished CANCELLED", input.finished(outcomes.CANCELLED, 1)],
  ];

  it.each(stale)("%s for attempt 1 while attempt 2 is current changes nothing", (_, i) => {
    const task = deepFreeze(onAttempt2());
    expect(task.attempts.map((a) => a.number)).toEqual([1, 2]);
    const r = transition(task, i);
    expect(r).toEqual({ task, changed: false, lines: [] });
    expect(r.task).toBe(task);
  });

  it.each(stale.map(([n, i]) => [n, { ...i, attempt: 3 }] as [string, Input]))(
    "%s for a future attempt 3 changes nothing",
    (_, i) => {
      const task = deepFreeze(onAttempt2());
      expect(transition(task, i).changed).toBe(false);
    },
  );

  it("the current attempt 2 is driven normally after attempt 1 failed", () => {
    let t = onAttempt2();
    for (const i of [input.placed(2, 15_900), input.dispatched(2, 16_000, 7, 15_900), input.claimed(2, 16_100), input.started(2, 16_200)]) {
      const r = transition(t, i);
      expect(r.changed).toBe(true);
      t = r.task;
    }
    expect(t.state).toBe("RUNNING");
    expect(t.attempts[1]).toMatchObject({ number: 2, state: "RUNNING", dispatchTime: 16_000, claimTime: 16_100, startTime: 16_200 });
    expect(t.attempts[0]!.state).toBe("FAILED");
    // The task's start time is the first attempt's.
    expect(t.startTime).toBe(T.start);
  });
});

describe("transition: final tasks never change", () => {
  const finals: StateName[] = ["SUCCEEDED", "FAILED", "CANCELLED"];
  it.each(finals)("cancel of a %s task returns the very same record, with no lines", (s) => {
    const task = deepFreeze(states[s]());
    const r = transition(task, input.cancel("too late"));
    expect(r.changed).toBe(false);
    expect(r.task).toBe(task);
    expect(r.lines).toEqual([]);
  });

  it.each(finals)("a %s task ignores a finished event for a new attempt number too", (s) => {
    const task = deepFreeze(states[s]());
    expect(transition(task, input.finished(outcomes.success, 2)).task).toBe(task);
  });
});

/** Applies inputs in order and returns the final transition plus every line emitted. */
function run(task: TaskRecord, ...ins: Input[]) {
  let t = task;
  const lines: { attempt: number; text: string }[] = [];
  for (const i of ins) {
    const r = transition(deepFreeze(t), i);
    lines.push(...r.lines);
    t = r.task;
  }
  return { task: t, lines };
}

/** dispatched, claimed, started and finished(outcome) for attempt n at time t0… */
function attemptRun(n: number, t0: number, outcome: (typeof outcomes)[keyof typeof outcomes]): Input[] {
  return [input.dispatched(n, t0), input.claimed(n, t0 + 1), input.started(n, t0 + 2), input.finished(outcome, n, t0 + 10)];
}

describe("transition: retries", () => {
  it("a failure with retries left creates attempt n+1, PENDING, due after the delay", () => {
    const r = transition(states["RUNNING started"](), input.finished(outcomes.EXIT_CODE, 1, 20_000));
    expect(r.task.state).toBe("PENDING");
    expect(r.task.attempts[1]).toEqual({ number: 2, state: "PENDING", notBefore: 25_000 });
    expect(r.task.message).toBe("attempt 2 of 4 in 5s after exit code 3");
    expect(r.lines).toEqual([{ attempt: 1, text: "attempt 2 of 4 in 5s after exit code 3" }]);
    expect(r.task.endTime).toBeUndefined();
  });

  it("the retry delay and count come from the spec", () => {
    const s = spec({ retry: { maxRetries: 1, delayMs: 90_000 } });
    const r = transition(states["RUNNING started"](s), input.finished(outcomes.EXIT_CODE, 1, 20_000));
    expect(r.task.attempts[1]!.notBefore).toBe(110_000);
    expect(r.lines[0]!.text).toBe("attempt 2 of 2 in 1m30s after exit code 3");
  });

  it("retries run out: 1 + max_retries attempts, then FAILED with the last attempt's reason and exit code", () => {
    const ins = [
      ...attemptRun(1, 10_000, outcomes.EXIT_CODE),
      ...attemptRun(2, 20_000, outcomes.OOM_KILLED),
      ...attemptRun(3, 30_000, outcomes.EXIT_CODE),
      ...attemptRun(4, 40_000, outcomes.OOM_KILLED),
    ];
    const { task, lines } = run(states["PENDING undispatched"](), ...ins);
    expect(task.state).toBe("FAILED");
    expect(task.attempts.map((a) => [a.number, a.state, a.failureReason])).toEqual([
      [1, "FAILED", "EXIT_CODE"],
      [2, "FAILED", "OOM_KILLED"],
      [3, "FAILED", "EXIT_CODE"],
      [4, "FAILED", "OOM_KILLED"],
    ]);
    expect(task).toMatchObject({ failureReason: "OOM_KILLED", exitCode: 137, endTime: 40_010 });
    expect(task.message).toBe("failed after 4 attempts: OOM killed (out of memory)");
    expect(lines).toEqual([
      { attempt: 1, text: "attempt 2 of 4 in 5s after exit code 3" },
      { attempt: 2, text: "attempt 3 of 4 in 5s after OOM killed (out of memory)" },
      { attempt: 3, text: "attempt 4 of 4 in 5s after exit code 3" },
      { attempt: 4, text: "failed after 4 attempts: OOM killed (out of memory)" },
    ]);
  });

  it("max_retries 0: the first failure is final", () => {
    const s = spec({ retry: { maxRetries: 0, delayMs: 5_000 } });
    const r = transition(states["RUNNING started"](s), input.finished(outcomes.EXIT_CODE));
    expect(r.task).toMatchObject({ state: "FAILED", failureReason: "EXIT_CODE", exitCode: 3 });
    expect(r.task.attempts).toHaveLength(1);
    expect(r.lines).toEqual([{ attempt: 1, text: "failed after 1 attempt (no retries): exit code 3" }]);
  });

  it("task failureReason and exitCode are the last finished attempt's: a success after a failure clears the reason", () => {
    const { task } = run(states["PENDING undispatched"](), ...attemptRun(1, 10_000, outcomes.EXIT_CODE), ...attemptRun(2, 20_000, outcomes.success));
    expect(task.state).toBe("SUCCEEDED");
    expect(task.exitCode).toBe(0);
    expect(task).not.toHaveProperty("failureReason");
    expect(task.attempts.map((a) => a.exitCode)).toEqual([3, 0]);
  });

  it("while a retry waits, the task shows the failed attempt's reason and exit code", () => {
    const { task } = run(states["PENDING undispatched"](), ...attemptRun(1, 10_000, outcomes.OOM_KILLED));
    expect(task).toMatchObject({ state: "PENDING", failureReason: "OOM_KILLED", exitCode: 137 });
  });

  it("NODE_LOST and CONTAINER_ERROR are retried like any failure but CANCELLED", () => {
    for (const o of [outcomes.NODE_LOST, outcomes.CONTAINER_ERROR]) {
      const r = transition(states["RUNNING started"](), input.finished(o));
      expect(r.task.state).toBe("PENDING");
      expect(r.task.attempts).toHaveLength(2);
    }
  });
});

describe("transition: cancel", () => {
  it("a failure after a cancel was requested ends CANCELLED, not retried", () => {
    const r = transition(states["RUNNING cancel requested"](), input.finished(outcomes.EXIT_CODE, 1, 12_000));
    expect(r.task).toMatchObject({ state: "CANCELLED", failureReason: "CANCELLED", exitCode: 3, endTime: 12_000, message: "cancelled: by user" });
    expect(r.task.attempts).toHaveLength(1);
    expect(r.task.attempts[0]).toMatchObject({ state: "CANCELLED", failureReason: "CANCELLED", exitCode: 3, message: "exit code 3" });
  });

  it("a success after a cancel was requested ends SUCCEEDED", () => {
    const r = transition(states["RUNNING cancel requested"](), input.finished(outcomes.success));
    expect(r.task).toMatchObject({ state: "SUCCEEDED", exitCode: 0, message: "succeeded" });
    expect(r.task).not.toHaveProperty("failureReason");
  });

  it("cancel of a PENDING task ends it at once, the attempt too", () => {
    const r = transition(states["PENDING dispatched"](), input.cancel("by user", 9_000));
    expect(r.task).toMatchObject({ state: "CANCELLED", endTime: 9_000, cancel: { reason: "by user", time: 9_000 } });
    expect(r.task.attempts[0]).toMatchObject({ state: "CANCELLED", failureReason: "CANCELLED", endTime: 9_000, dispatchTime: T.dispatch, message: "cancelled: by user" });
  });

  it("cancel of a RUNNING task only records the request; the agent acts on it", () => {
    const before = states["RUNNING started"]();
    const r = transition(before, input.cancel("by user", 9_000));
    expect(r.task).toEqual({
      ...before,
      cancel: { reason: "by user", time: 9_000 },
      message: "cancelling: by user",
      history: [{ time: 9_000, type: "cancel-requested", attempt: 1, message: "cancel requested: by user" }],
    });
  });

  it("a second cancel with another reason keeps the first request", () => {
    const before = deepFreeze(states["RUNNING cancel requested"]());
    const r = transition(before, input.cancel("changed my mind"));
    expect(r.task).toBe(before);
  });

  it("cancel while a retry waits ends the task CANCELLED on the new attempt", () => {
    const { task, lines } = run(states["PENDING undispatched"](), ...attemptRun(1, 10_000, outcomes.EXIT_CODE), input.cancel("", 11_000));
    expect(task.state).toBe("CANCELLED");
    expect(task.failureReason).toBe("CANCELLED");
    expect(task.attempts.map((a) => a.state)).toEqual(["FAILED", "CANCELLED"]);
    expect(lines.at(-1)).toEqual({ attempt: 2, text: "cancelled (while pending)" });
  });

  // The attempt that ended last (2, cancelled before it ran) has no exit code, yet the task
  // keeps attempt 1's exit code 3 beside failureReason CANCELLED (cancel() in transition.ts
  // never touches task.exitCode).
  it("cancel while a retry waits leaves no exit code on the task (its last attempt never ran)", () => {
    const { task } = run(states["PENDING undispatched"](), ...attemptRun(1, 10_000, outcomes.EXIT_CODE), input.cancel("", 11_000));
    expect(task.attempts[1]!.exitCode).toBeUndefined();
    expect(task.exitCode).toBeUndefined();
  });

  it.each([
    ["PENDING dispatched", "cancelled", ["cancelled (while pending)"]],
    ["RUNNING started", "cancelling", ["cancel requested"]],
  ] as const)("cancel without a reason of a %s task says just %j", (s, message, lines) => {
    const r = transition(states[s](), input.cancel(""));
    expect(r.task.message).toBe(message);
    expect(r.lines.map((l) => l.text)).toEqual(lines);
  });

  it("a CANCELLED outcome without a cancel request ends CANCELLED and is not retried", () => {
    const r = transition(states["RUNNING started"](), input.finished(outcomes.CANCELLED));
    expect(r.task).toMatchObject({ state: "CANCELLED", failureReason: "CANCELLED", message: "cancelled" });
    expect(r.task.attempts).toHaveLength(1);
  });
});

describe("transition: events out of order", () => {
  it("finished before claimed/started is applied; the late started and claimed are then ignored", () => {
    const failed = transition(states["PENDING dispatched"](), input.finished(outcomes.EXIT_CODE, 1, 10_000, "n9"));
    expect(failed.changed).toBe(true);
    expect(failed.task.attempts[0]).toMatchObject({ state: "FAILED", nodeId: "n9", exitCode: 3 });
    expect(failed.task.attempts).toHaveLength(2);
    for (const late of [input.started(1, 9_000, "n9"), input.claimed(1, 8_000, "n9"), input.progress(1, "late")]) {
      const r = transition(deepFreeze(failed.task), late);
      expect(r.changed).toBe(false);
      expect(r.task).toBe(failed.task);
    }
  });

  it("a success before started ends SUCCEEDED and the late started is ignored", () => {
    const done = transition(states["PENDING dispatched"](), input.finished(outcomes.success, 1, 10_000, "n9")).task;
    expect(done.state).toBe("SUCCEEDED");
    expect(done.attempts[0]!.nodeId).toBe("n9");
    expect(transition(done, input.started(1, 9_000, "n9")).changed).toBe(false);
  });

  it("started before claimed takes the node from started; the late claimed is ignored", () => {
    const started = transition(states["PENDING dispatched"](), input.started(1, 4_000, "n2")).task;
    expect(started.attempts[0]).toMatchObject({ state: "RUNNING", nodeId: "n2", containerId: "c1" });
    expect(transition(started, input.claimed(1, 3_000, "n2")).changed).toBe(false);
  });

  it("claimed before dispatched is applied; the late dispatched is still recorded, the state and message stay", () => {
    const claimed = transition(states["PENDING undispatched"](), input.claimed()).task;
    expect(claimed.state).toBe("PENDING");
    const late = transition(claimed, input.dispatched(1, 9_000, 3));
    expect(late.changed).toBe(true);
    expect(late.task).toMatchObject({ state: "PENDING", message: claimed.message });
    expect(late.task.attempts[0]).toMatchObject({ state: "PENDING", nodeId: NODE, dispatchTime: 9_000, dispatchSeq: 3 });
    expect(transition(late.task, input.dispatched(1, 9_500, 3)).changed).toBe(false);
  });
});
