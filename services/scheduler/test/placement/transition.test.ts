/** What the placer's inputs do to a task record (core/transition.ts: placed, unplaced, reserved, stop, waiting; PREEMPTED). */
import { describe, expect, it } from "vitest";
import { currentAttempt, type TaskRecord } from "@trainyard/common";
import { transition, type Input } from "../../src/core/transition.js";
import { input, NODE, outcomes, record, spec, states, T, TASK_ID } from "../fixtures.js";

const placed = (attempt = 1, nodeId = NODE, gpuIds = ["0"]): Input => ({ type: "placed", taskId: TASK_ID, attempt, nodeId, gpuIds, epoch: 4, time: T.dispatch });
const stop = (attempt = 1): Input => ({ type: "stop", taskId: TASK_ID, attempt, nodeId: NODE, stop: { kind: "preempted", forTaskId: "t-urgent" }, time: T.now });
const apply = (t: TaskRecord, ...inputs: Input[]) => inputs.reduce((task, i) => transition(task, i).task, t);

describe("placement inputs", () => {
  it("placed: the attempt gets its node, devices and epoch; the message says where", () => {
    const t = transition(record(), placed());
    expect(t.changed).toBe(true);
    expect(currentAttempt(t.task)).toMatchObject({ placedOn: NODE, gpuIds: ["0"], placeEpoch: 4, placeTime: T.dispatch });
    expect(t.task.message).toBe(`placed on node ${NODE} (GPU 0)`);
    expect(t.task.history?.at(-1)).toMatchObject({ type: "placed", nodeId: NODE });
  });

  it("placed twice (a second placer, a redelivery): the first placement stays", () => {
    const once = apply(record(), placed());
    expect(transition(once, placed(1, "n2", ["1"])).changed).toBe(false);
  });

  it("placed is ignored for a running, final, cancelled or other attempt", () => {
    expect(transition(states["RUNNING started"](), placed()).changed).toBe(false);
    expect(transition(states.SUCCEEDED(), placed()).changed).toBe(false);
    expect(transition(record(), placed(2)).changed).toBe(false);
  });

  it("dispatched keeps the placement's message", () => {
    const t = apply(record(), placed(), input.dispatched(1, T.now, 7, T.dispatch));
    expect(t.message).toBe(`placed on node ${NODE} (GPU 0)`);
  });

  it("unplaced (its node lost before a claim) and dispatch-lost take the placement and dispatch back", () => {
    for (const back of [{ type: "unplaced", taskId: TASK_ID, attempt: 1, nodeId: NODE, why: "node n1 lost", time: T.now } as Input, input.dispatchLost()]) {
      const t = transition(apply(record(), placed(), input.dispatched(1, T.now, 7, T.dispatch)), back);
      expect(t.changed).toBe(true);
      const a = currentAttempt(t.task);
      expect(a).not.toHaveProperty("placedOn");
      expect(a).not.toHaveProperty("gpuIds");
      expect(a).not.toHaveProperty("dispatchTime");
      expect(t.lines).toHaveLength(1);
    }
  });

  it("dispatched, dispatch-lost and unplaced count only for the placement and message they name", () => {
    const placedA = apply(record(), placed());
    expect(transition(placedA, input.dispatched(1, T.now, 7, T.dispatch + 1)).changed).toBe(false); // an older placement's publish
    const sent = apply(placedA, input.dispatched(1, T.now, 7, T.dispatch));
    expect(transition(sent, input.dispatchLost(1, T.now, 6)).changed).toBe(false); // another message
    expect(transition(sent, { type: "unplaced", taskId: TASK_ID, attempt: 1, nodeId: "n2", why: "x", time: T.now }).changed).toBe(false);
  });

  it("placed drops a dispatch from before placement (a pool's queue nothing reads)", () => {
    const old = { ...record(), attempts: [{ ...record().attempts[0]!, dispatchTime: 5, dispatchSeq: 3, dispatches: 1 }] };
    const a = currentAttempt(apply(old, placed()));
    expect(a).toMatchObject({ placedOn: NODE, dispatches: 1 });
    expect(a).not.toHaveProperty("dispatchTime");
    expect(a).not.toHaveProperty("dispatchSeq");
  });

  it("claimed: the claimant's node and devices become the attempt's (it may have raced with a new placement)", () => {
    const elsewhere = apply(record(), placed(1, "n2", ["5"]));
    const claimed = transition(elsewhere, { ...input.claimed(1, T.now, NODE), gpuIds: ["0"] } as Input).task;
    expect(currentAttempt(claimed)).toMatchObject({ state: "PENDING", nodeId: NODE, placedOn: NODE, gpuIds: ["0"] });
    const plain = transition(apply(record(), placed()), input.claimed()).task;
    expect(currentAttempt(plain).gpuIds).toEqual(["0"]);
  });

  it("unplaced does nothing once an agent claimed the attempt", () => {
    const claimed = apply(record(), placed(), input.dispatched(1, T.now, 7, T.dispatch), input.claimed());
    expect(transition(claimed, { type: "unplaced", taskId: TASK_ID, attempt: 1, nodeId: NODE, why: "x", time: T.now }).changed).toBe(false);
  });

  it("reserved marks the node kept for a pending attempt, once; placing it clears the mark", () => {
    const r: Input = { type: "reserved", taskId: TASK_ID, attempt: 1, nodeId: "n2", time: T.now };
    const t = apply(record(), r);
    expect(currentAttempt(t).reservedOn).toBe("n2");
    expect(transition(t, r).changed).toBe(false);
    expect(currentAttempt(apply(t, placed(1, "n2"))).reservedOn).toBeUndefined();
  });

  it("waiting sets the message of an unplaced pending task when its words change, without history", () => {
    const w: Input = { type: "waiting", taskId: TASK_ID, attempt: 1, text: "unschedulable: no", time: T.now };
    const t = transition(record(), w);
    expect(t.task.message).toBe("unschedulable: no");
    expect(t.task.history ?? []).toEqual([]);
    expect(transition(t.task, w).changed).toBe(false);
    expect(transition(apply(record(), placed()), w).changed).toBe(false);
  });
});

describe("preemption", () => {
  const running = () => apply(record({}, spec({ preemptible: true })), placed(), input.dispatched(1, T.now, 7, T.dispatch), input.claimed(), input.started());

  it("stop: a running attempt is asked to stop for the task named, with a SYSTEM line, once", () => {
    const t = transition(running(), stop());
    expect(t.task.stop).toEqual({ kind: "preempted", forTaskId: "t-urgent", attempt: 1, time: T.now });
    expect(t.lines).toEqual([{ attempt: 1, text: "preempting attempt 1 for task t-urgent (higher priority)" }]);
    expect(transition(t.task, stop()).changed).toBe(false);
    expect(transition(record(), stop()).changed).toBe(false);
  });

  it("ending PREEMPTED spends the infrastructure budget only, clears the stop and queues the task again", () => {
    const t = apply(running(), stop(), input.finished(outcomes.PREEMPTED, 1));
    expect(t.state).toBe("PENDING");
    expect(t.stop).toBeUndefined();
    expect(t.attempts[0]).toMatchObject({ state: "FAILED", failureReason: "PREEMPTED", retryClass: "infra", message: "preempted by task t-urgent" });
    expect(t.attempts[1]).toMatchObject({ number: 2, state: "PENDING" });
    expect(t.message).toContain("infrastructure retry 1 of 5");
  });

  it("a cancel during preemption still cancels", () => {
    const t = apply(running(), stop(), input.cancel(), input.finished(outcomes.PREEMPTED, 1));
    expect(t.state).toBe("CANCELLED");
  });
});
