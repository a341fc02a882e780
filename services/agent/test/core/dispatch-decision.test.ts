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
    ["devices busy here: nak for 1 s", delivery(), not("does-not-fit"), undefined, { do: "nak", delayMs: 1_000, why: "does-not-fit" }],
    ["devices still busy on the 30th delivery: ack (the scheduler places it again)", delivery({ deliveryCount: 30 }), not("does-not-fit"), undefined, { do: "ack", why: "does-not-fit" }],
    ["record not found, first delivery: nak for 2 s (a read may lag)", delivery(), not("gone"), undefined, { do: "nak", delayMs: 2_000, why: "gone-maybe-lagging" }],
    ["record not found, 4th delivery: nak again", delivery({ deliveryCount: 4 }), not("gone"), undefined, { do: "nak", delayMs: 2_000, why: "gone-maybe-lagging" }],
    ["record not found, 5th delivery: gone, ack", delivery({ deliveryCount: 5 }), not("gone"), undefined, { do: "ack", why: "gone" }],
    ["not wanted (stale, cancelled, final): ack", delivery(), not("not-wanted"), undefined, { do: "ack", why: "not-wanted" }],
    ["taken by another agent: ack", delivery(), not("taken"), undefined, { do: "ack", why: "taken" }],
  ])("%s", (_, d, claim, runningHere, expected) => {
    expect(dispatchDecision(d, claim, runningHere)).toEqual(expected);
  });
});

describe("fitsNode (the agent's last check of what was placed on it)", () => {
  const node = { gpuIds: ["0", "1", "2"], networkModes: ["none"] };
  const placed = (gpus: number, gpuIds: string[], network?: "host") => {
    const t = task("PENDING", 1, {}, spec({ resources: { cpus: 0, memoryBytes: 0, gpus }, ...(network ? { network } : {}) }));
    return { ...t, attempts: [{ ...t.attempts[0]!, placedOn: "n", gpuIds }] };
  };
  it.each<[string, ReturnType<typeof placed>, string[], boolean]>([
    ["no GPUs", placed(0, []), [], true],
    ["devices of this node, free", placed(2, ["0", "2"]), ["1"], true],
    ["a device another attempt here holds", placed(2, ["0", "1"]), ["1"], false],
    ["a device this node does not have", placed(1, ["7"]), [], false],
    ["fewer devices placed than the task needs", placed(2, ["0"]), [], false],
    ["a network mode this node does not allow", placed(0, [], "host"), [], false],
  ])("%s: %s", (_, t, held, fits) => {
    expect(fitsNode(t, 1, node, new Set(held))).toBe(fits);
  });
});
