/**
 * What the agent does with a delivered dispatch (intake/take-dispatch.ts): each decision of
 * core/dispatch-decision.ts applied to a message: ack, nak with its delay, term, or report the
 * claim, ack and launch. The claim itself is a stand-in (intake/claim.ts is on NATS).
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { AgentEvent, DispatchMessage, TaskRecord } from "@trainyard/common";
import type { ClaimResult } from "../../src/core/dispatch-decision.js";
import { takeDispatch, type DispatchDelivery } from "../../src/intake/take-dispatch.js";
import { task } from "../fixtures.js";

class Message implements DispatchDelivery {
  readonly seq = 7;
  readonly acks: string[] = [];
  constructor(
    private readonly body: unknown,
    readonly info = { deliveryCount: 1 },
  ) {}
  json<T>(): T {
    if (this.body === undefined) throw new SyntaxError("not JSON");
    return this.body as T;
  }
  ack() {
    this.acks.push("ack");
  }
  nak(delayMs?: number) {
    this.acks.push(delayMs === undefined ? "nak" : `nak ${delayMs}`);
  }
  term() {
    this.acks.push("term");
  }
}

const d: DispatchMessage = { taskId: "t-0000000000000000000001", attempt: 2 };
const t = task("PENDING", 2);

function harness(claim: ClaimResult, o: { stopping?: boolean; runningHere?: number } = {}) {
  const reported: AgentEvent[] = [];
  const launched: [TaskRecord, number][] = [];
  const claims: DispatchMessage[] = [];
  const stopping = new AbortController();
  if (o.stopping) stopping.abort();
  const take = takeDispatch({
    nodeId: "n1",
    claim: async (m) => (claims.push(m), claim),
    report: async (e) => void reported.push(e),
    runningHere: () => o.runningHere,
    launch: (task, attempt) => void launched.push([task, attempt]),
    logger: pino({ level: "silent" }),
    stopping: stopping.signal,
  });
  return { take, reported, launched, claims };
}

describe("takeDispatch", () => {
  it("claims, reports the claim, acks, then launches; the slot is kept", async () => {
    const h = harness({ claimed: true, task: t, again: false });
    const m = new Message(d);
    expect(await h.take(m)).toBe(true);
    expect(h.claims).toEqual([d]);
    expect(h.reported).toMatchObject([{ type: "claimed", taskId: d.taskId, attempt: 2, nodeId: "n1" }]);
    expect(m.acks).toEqual(["ack"]);
    expect(h.launched).toEqual([[t, 2]]);
  });

  it.each<[string, ClaimResult, { deliveryCount?: number; runningHere?: number }, string[]]>([
    ["does not fit: nak for 1 s", { claimed: false, why: "does-not-fit" }, {}, ["nak 1000"]],
    ["record not found yet: nak for 2 s", { claimed: false, why: "gone" }, {}, ["nak 2000"]],
    ["record still not found on the 5th delivery: ack", { claimed: false, why: "gone" }, { deliveryCount: 5 }, ["ack"]],
    ["not wanted: ack", { claimed: false, why: "not-wanted" }, {}, ["ack"]],
    ["taken by another agent: ack", { claimed: false, why: "taken" }, {}, ["ack"]],
    ["a redelivery of what runs here: ack", { claimed: true, task: t, again: true }, { deliveryCount: 2, runningHere: 2 }, ["ack"]],
  ])("%s, nothing launched, the slot released", async (_, claim, o, acks) => {
    const h = harness(claim, o);
    const m = new Message(d, { deliveryCount: o.deliveryCount ?? 1 });
    expect(await h.take(m)).toBe(false);
    expect(m.acks).toEqual(acks);
    expect(h.launched).toEqual([]);
    expect(h.reported).toEqual([]);
  });

  it("terms a body that does not parse, without claiming", async () => {
    for (const body of [undefined, { taskId: 1 }, "x"]) {
      const h = harness({ claimed: true, task: t, again: false });
      const m = new Message(body);
      expect(await h.take(m)).toBe(false);
      expect(m.acks).toEqual(["term"]);
      expect(h.claims).toEqual([]);
    }
  });

  it("naks at once, without claiming, a message that arrives while the agent stops", async () => {
    const h = harness({ claimed: true, task: t, again: false }, { stopping: true });
    const m = new Message(d);
    expect(await h.take(m)).toBe(false);
    expect(m.acks).toEqual(["nak"]);
    expect(h.claims).toEqual([]);
  });

  it("naks a second delivery of an attempt while the first is still being claimed here, and launches once", async () => {
    const h = harness({ claimed: true, task: t, again: false });
    const first = new Message(d);
    const second = new Message(d, { deliveryCount: 2 });
    const [a, b] = await Promise.all([h.take(first), h.take(second)]);
    expect([a, b]).toEqual([true, false]);
    expect(first.acks).toEqual(["ack"]);
    expect(second.acks).toEqual(["nak 1000"]);
    expect(h.claims).toHaveLength(1);
    expect(h.launched).toHaveLength(1);
  });
});
