/** When a task's current attempt is handed to its pool (core/dispatch.ts). */
import { describe, expect, it } from "vitest";
import type { TaskRecord } from "@trainyard/common";
import { dispatchDue, dispatchToVerify } from "../src/core/dispatch.js";
import { input, outcomes, record, states, T, type StateName } from "./fixtures.js";
import { transition } from "../src/core/transition.js";

/** The task with its current attempt placed on node "n1" by the placer. */
const placed = (t: TaskRecord): TaskRecord => {
  const a = t.attempts.at(-1)!;
  return transition(t, { type: "placed", taskId: t.id, attempt: a.number, nodeId: "n1", gpuIds: [], epoch: 1, time: T.create }).task;
};
const retrying = (): TaskRecord => placed(transition(states["RUNNING started"](), input.finished(outcomes.EXIT_CODE, 1, 20_000)).task);

describe("dispatchDue", () => {
  it("a new PENDING task is due once the placer placed it", () => {
    expect(dispatchDue(record(), T.create)).toEqual({ due: false });
    expect(dispatchDue(placed(record()), T.create)).toEqual({ due: true, attempt: 1 });
  });

  it.each<StateName>(["PENDING dispatched", "PENDING claimed", "RUNNING started", "RUNNING cancel requested", "SUCCEEDED", "FAILED", "CANCELLED"])(
    "%s is not due",
    (s) => {
      expect(dispatchDue(states[s](), T.now)).toEqual({ due: false });
    },
  );

  it.each([
    [20_000, { due: false, at: 25_000 }],
    [24_999, { due: false, at: 25_000 }],
    [25_000, { due: true, attempt: 2 }],
    [99_000, { due: true, attempt: 2 }],
  ])("a retry waiting until 25000 at %i → %o", (now, expected) => {
    expect(dispatchDue(retrying(), now)).toEqual(expected);
  });

  it("a dispatched retry is no longer due", () => {
    const t = transition(retrying(), input.dispatched(2, 25_000)).task;
    expect(dispatchDue(t, 30_000)).toEqual({ due: false });
  });
});

describe("dispatchToVerify", () => {
  it("names the message of a dispatch older than the minimum age of a pending task", () => {
    const t = states["PENDING dispatched"]();
    expect(dispatchToVerify(t, T.dispatch + 30_000, 30_000)).toBe(7);
    expect(dispatchToVerify(t, T.dispatch + 29_999, 30_000)).toBeNull();
  });

  it.each<StateName>(["PENDING undispatched", "PENDING claimed", "RUNNING started", "SUCCEEDED", "FAILED", "CANCELLED"])("has nothing to verify for %s", (s) => {
    expect(dispatchToVerify(states[s](), T.now + 1e9, 30_000)).toBeNull();
  });
});
