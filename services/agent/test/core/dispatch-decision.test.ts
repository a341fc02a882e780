/** What the agent does with a dispatch delivery (core/dispatch-decision.ts), as a table. */
import { describe, expect, it } from "vitest";
import { dispatchDecision, fitsNode, type ClaimResult, type Delivery, type DispatchAction } from "../../src/core/dispatch-decision.js";
import { spec, task } from "../fixtures.js";

const message = { taskId: "t-0000000000000000000001", attempt: 2 };
const delivery = (patch: Partial<Delivery> = {}): Delivery => ({ message, deliveryCount: 1, stopping: false, ...patch });
const t = task("PENDING", 2);
const claimed: ClaimResult = { claimed: true, task: t, again: false };
const again: ClaimResult = { claimed: true, task: t, again: true };
const not = (why: Extract<ClaimResult, { claimed: false }>["why"]): ClaimResult => ({ claimed: false, why });

describe("dispatchDecision before the claim", () => {
  it.each<[string, Delivery, DispatchAction]>([
    ["a parsed message: claim it first", delivery(), { do: "claim", message }],
    ["the agent is stopping: nak at once for another agent", delivery({ stopping: true }), { do: "nak", delayMs: 0, why: "stopping" }],
    ["stopping wins over a body that does not parse", delivery({ stopping: true, message: null }), { do: "nak", delayMs: 0, why: "stopping" }],
    ["a body that does not parse: term", delivery({ message: null }), { do: "term", why: "unparsable" }],
  ])("%s", (_, d, expected) => {
    expect(dispatchDecision(d)).toEqual(expected);
  });
});

describe("dispatchDecision after the claim", () => {
  it.each<[string, Delivery, ClaimResult, number | undefined, DispatchAction]>([
    ["claimed: run it", delivery(), claimed, undefined, { do: "run", task: t, attempt: 2 }],
    ["claimed while an older attempt of the task is still here: run it", delivery(), claimed, 1, { do: "run", task: t, attempt: 2 }],
    ["ours already (the ack was lost) and running here: ack the redelivery", delivery({ deliveryCount: 2 }), again, 2, { do: "ack", why: "running-here" }],
    ["ours already but not running here (the agent restarted): run it", delivery({ deliveryCount: 2 }), again, undefined, { do: "run", task: t, attempt: 2 }],
    ["ours already, another attempt here: run it", delivery({ deliveryCount: 2 }), again, 1, { do: "run", task: t, attempt: 2 }],
    ["does not fit this node: nak for 10 s", delivery(), not("does-not-fit"), undefined, { do: "nak", delayMs: 10_000, why: "does-not-fit" }],
    ["record not found, first delivery: nak for 2 s (a read may lag)", delivery(), not("gone"), undefined, { do: "nak", delayMs: 2_000, why: "gone-maybe-lagging" }],
    ["record not found, 4th delivery: nak again", delivery({ deliveryCount: 4 }), not("gone"), undefined, { do: "nak", delayMs: 2_000, why: "gone-maybe-lagging" }],
    ["record not found, 5th delivery: gone, ack", delivery({ deliveryCount: 5 }), not("gone"), undefined, { do: "ack", why: "gone" }],
    ["not wanted (stale, cancelled, final): ack", delivery(), not("not-wanted"), undefined, { do: "ack", why: "not-wanted" }],
    ["taken by another agent: ack", delivery(), not("taken"), undefined, { do: "ack", why: "taken" }],
  ])("%s", (_, d, claim, runningHere, expected) => {
    expect(dispatchDecision(d, claim, runningHere)).toEqual(expected);
  });
});

describe("fitsNode", () => {
  it.each([
    [0, 0, true],
    [1, 0, false],
    [2, 2, true],
    [2, 4, true],
    [4, 2, false],
  ])("a task needing %i GPUs on a node offering %i: %s", (need, offer, fits) => {
    expect(fitsNode(task("PENDING", 1, {}, spec({ resources: { cpus: 0, memoryBytes: 0, gpus: need } })), { gpus: offer })).toBe(fits);
  });
});
