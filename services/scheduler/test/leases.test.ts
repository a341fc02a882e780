/**
 * The lease reconciler (core/leases.ts) as tables: which running attempts sit on nodes whose
 * lease lapsed, judged on a snapshot of tasks and heartbeats at a given time, and why.
 */
import { describe, expect, it } from "vitest";
import { lapseText, type LeaseLapse, type TaskRecord } from "@trainyard/common";
import { lostAttempts, nodeLost, type NodeLiveness } from "../src/core/leases.js";
import { input, outcomes, states, T, TASK_ID } from "./fixtures.js";
import { transition } from "../src/core/transition.js";

const LEASE = 15_000;
const DEFAULT = 10_000;
const seen = (lastSeen: number, leaseMs = LEASE): NodeLiveness => ({ lastSeen, leaseMs });

describe("nodeLost", () => {
  it.each<[string, NodeLiveness | undefined, number, LeaseLapse | null]>([
    ["heard from just now: holds", seen(100_000), 100_000, null],
    ["silent for exactly the lease: still holds", seen(100_000), 115_000, null],
    ["silent 1 ms past the lease: lost", seen(100_000), 115_001, { kind: "silent", nodeId: "n1", silentMs: 15_001 }],
    ["silent long past the lease: lost, for how long", seen(100_000), 160_000, { kind: "silent", nodeId: "n1", silentMs: 60_000 }],
    ["its own lease counts, not the default", seen(100_000, 60_000), 150_000, null],
    ["never heartbeated, within the default lease from the claim: holds", undefined, 50_000 + DEFAULT, null],
    ["never heartbeated, past the default lease from the claim: lost", undefined, 50_000 + DEFAULT + 1, { kind: "never-heartbeated", nodeId: "n1" }],
  ])("%s", (_, n, now, expected) => {
    expect(nodeLost("n1", n, 50_000, now, DEFAULT)).toEqual(expected);
  });

  it.each<[LeaseLapse, string]>([
    [{ kind: "silent", nodeId: "a1", silentMs: 15_001 }, "no heartbeat from node a1 for 15s"],
    [{ kind: "silent", nodeId: "a1", silentMs: 90_000 }, "no heartbeat from node a1 for 1m30s"],
    [{ kind: "never-heartbeated", nodeId: "a1" }, "node a1 never heartbeated"],
  ])("says %j as %j", (lapse, text) => {
    expect(lapseText(lapse)).toBe(text);
  });
});

/** A task of id `id` in the named state, its current attempt on `nodeId` (claimed at T.claim). */
function on(state: keyof typeof states, nodeId: string, id = TASK_ID): TaskRecord {
  const t = { ...states[state](), id };
  return { ...t, attempts: t.attempts.map((a, i) => (i === t.attempts.length - 1 && a.nodeId ? { ...a, nodeId } : a)) };
}

describe("lostAttempts", () => {
  const now = T.claim + LEASE + 1_000;
  const alive = seen(now - 1_000);
  const dead = seen(T.claim);

  it.each<[string, TaskRecord[], Record<string, NodeLiveness>, { taskId: string; attempt: number; nodeId: string; lapse: LeaseLapse["kind"] }[]]>([
    ["a RUNNING attempt on a live node: kept", [on("RUNNING started", "n1")], { n1: alive }, []],
    ["a RUNNING attempt on a silent node: lost", [on("RUNNING started", "n1")], { n1: dead }, [{ taskId: TASK_ID, attempt: 1, nodeId: "n1", lapse: "silent" }]],
    ["claimed but not started, on a silent node: lost", [on("PENDING claimed", "n1")], { n1: dead }, [{ taskId: TASK_ID, attempt: 1, nodeId: "n1", lapse: "silent" }]],
    ["a cancel asked on a silent node: lost all the same", [on("RUNNING cancel requested", "n1")], { n1: dead }, [{ taskId: TASK_ID, attempt: 1, nodeId: "n1", lapse: "silent" }]],
    ["on a node never heard of, past the default lease from its claim: lost", [on("RUNNING started", "ghost")], {}, [{ taskId: TASK_ID, attempt: 1, nodeId: "ghost", lapse: "never-heartbeated" }]],
    ["PENDING, SUCCEEDED, FAILED and CANCELLED tasks: never judged", ["PENDING dispatched", "SUCCEEDED", "FAILED", "CANCELLED"].map((s, i) => on(s as keyof typeof states, "n1", `t-${i}`)), { n1: dead }, []],
    [
      "two tasks, one on each node: only the silent node's",
      [on("RUNNING started", "n1", "t-a"), on("RUNNING started", "n2", "t-b")],
      { n1: alive, n2: dead },
      [{ taskId: "t-b", attempt: 1, nodeId: "n2", lapse: "silent" }],
    ],
  ])("%s", (_, tasks, nodes, expected) => {
    const lost = lostAttempts(tasks, new Map(Object.entries(nodes)), now, DEFAULT);
    expect(lost.map((l) => ({ taskId: l.taskId, attempt: l.attempt, nodeId: l.nodeId, lapse: l.lapse.kind }))).toEqual(expected);
  });

  it("judges the current attempt of a retried task, from its own claim", () => {
    const retried = transition(on("RUNNING started", "n1"), input.finished(outcomes.EXIT_CODE, 1, T.end), T.end).task;
    const claimed = transition(transition(retried, input.dispatched(2, 20_000)).task, input.claimed(2, 20_100, "n2")).task;
    const nodes = new Map([["n2", seen(20_100)]]);
    expect(lostAttempts([claimed], nodes, 20_100 + LEASE, DEFAULT)).toEqual([]);
    expect(lostAttempts([claimed], nodes, 20_101 + LEASE, DEFAULT)).toEqual([
      { taskId: TASK_ID, attempt: 2, nodeId: "n2", lapse: { kind: "silent", nodeId: "n2", silentMs: LEASE + 1 } },
    ]);
  });

  it("applying a loss ends the attempt NODE_LOST with the lapse as its message, and the next judgment finds nothing", () => {
    const t = on("RUNNING started", "n1");
    const [lost] = lostAttempts([t], new Map([["n1", dead]]), now, DEFAULT);
    const after = transition(t, { type: "node-lost", ...lost!, time: now }).task;
    expect(after.attempts[0]).toMatchObject({ state: "FAILED", failureReason: "NODE_LOST", message: lapseText(lost!.lapse) });
    expect(lostAttempts([after], new Map([["n1", dead]]), now, DEFAULT)).toEqual([]);
  });
});
