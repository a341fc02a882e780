/** The placement core, table by table: devices, unschedulable, priority, preemption, quotas, fair share, reservations. */
import { describe, expect, it } from "vitest";
import { place } from "../../src/core/placement/place.js";
import { waitText } from "../../src/core/placement/reasons.js";
import type { Decision, NodeCapacity, PendingAttempt, RunningAttempt, Snapshot } from "../../src/core/placement/types.js";

const GiB = 2 ** 30;

function node(id: string, o: Partial<NodeCapacity> & { gpus?: number } = {}): NodeCapacity {
  const { gpus = 0, ...rest } = o;
  return { id, pools: ["default"], labels: {}, networkModes: ["none"], slots: 4, cpus: 0, memoryBytes: 0, gpuIds: Array.from({ length: gpus }, (_, i) => `${id}-gpu${i}`), schedulable: true, ...rest };
}

let clock = 0;
function pending(taskId: string, o: Partial<PendingAttempt> & { gpus?: number; cpus?: number; memoryBytes?: number } = {}): PendingAttempt {
  const { gpus = 0, cpus = 0, memoryBytes = 0, ...rest } = o;
  return { taskId, attempt: 1, namespace: "default", pool: "default", priority: 50, queuedAt: ++clock, resources: { cpus, memoryBytes, gpus }, nodeLabels: {}, network: "none", ...rest };
}

function running(taskId: string, nodeId: string, o: Partial<RunningAttempt> & { gpus?: string[] } = {}): RunningAttempt {
  const { gpus = [], ...rest } = o;
  return { taskId, attempt: 1, nodeId, namespace: "default", priority: 50, preemptible: false, startTime: ++clock, resources: { cpus: 0, memoryBytes: 0, gpus: gpus.length }, gpuIds: gpus, ...rest };
}

const snapshot = (s: Partial<Snapshot>): Snapshot => ({ nodes: [], running: [], pending: [], quotas: {}, ...s });
const placed = (d: Decision) => Object.fromEntries(d.place.map((p) => [p.taskId, `${p.nodeId}:${p.gpuIds.join("+")}`]));
const why = (d: Decision, id: string) => waitText(d.waiting.get(id)!);

describe("GPUs per device", () => {
  it("four one-GPU tasks on two two-GPU nodes get four different devices; the fifth waits for room", () => {
    const d = place(snapshot({ nodes: [node("a", { gpus: 2 }), node("b", { gpus: 2 })], pending: ["t1", "t2", "t3", "t4", "t5"].map((t) => pending(t, { gpus: 1 })) }));
    expect(placed(d)).toEqual({ t1: "a:a-gpu0", t2: "a:a-gpu1", t3: "b:b-gpu0", t4: "b:b-gpu1" });
    expect(why(d, "t5")).toBe('waiting for room in pool "default" (1st in line)');
  });

  it("devices held by running attempts are not handed out again", () => {
    const d = place(snapshot({ nodes: [node("a", { gpus: 2 })], running: [running("r", "a", { gpus: ["a-gpu0"] })], pending: [pending("t", { gpus: 1 })] }));
    expect(placed(d)).toEqual({ t: "a:a-gpu1" });
  });

  it("GPU tasks pack onto the fullest node that fits; CPU tasks stay off GPU nodes", () => {
    const d = place(
      snapshot({
        nodes: [node("big", { gpus: 4 }), node("half", { gpus: 2 }), node("cpu")],
        running: [running("r", "half", { gpus: ["half-gpu0"] })],
        pending: [pending("g", { gpus: 1 }), pending("c")],
      }),
    );
    expect(placed(d)).toEqual({ g: "half:half-gpu1", c: "cpu:" });
  });
});

describe("unschedulable is said", () => {
  it.each<[string, Partial<Snapshot>, string]>([
    ["more GPUs than any node has", { nodes: [node("a", { gpus: 2 }), node("b", { gpus: 2 })], pending: [pending("t", { gpus: 3 })] }, 'unschedulable: no node in pool "default" has 3 GPUs (largest: 2)'],
    ["a pool no agent serves", { nodes: [node("a")], pending: [pending("t", { pool: "gpu" })] }, 'unschedulable: no node in pool "gpu" is known (no agent serves it)'],
    ["only a lost node could", { nodes: [node("a", { gpus: 4, lost: true, schedulable: false })], pending: [pending("t", { gpus: 1 })] }, 'unschedulable: no node in pool "default" is known (no agent serves it)'],
    ["labels no node has", { nodes: [node("a", { labels: { zone: "x" } })], pending: [pending("t", { nodeLabels: { zone: "y" } })] }, 'unschedulable: no node in pool "default" has the labels zone=y'],
    ["a network mode no node allows", { nodes: [node("a")], pending: [pending("t", { network: "host" })] }, 'unschedulable: no node in pool "default" allows network host'],
    ["more memory than any node", { nodes: [node("a", { memoryBytes: 8 * GiB })], pending: [pending("t", { memoryBytes: 16 * GiB })] }, 'unschedulable: no node in pool "default" has 16Gi of memory (largest: 8Gi)'],
    ["CPUs and GPUs never together", { nodes: [node("a", { gpus: 2, cpus: 2 }), node("b", { cpus: 16 })], pending: [pending("t", { gpus: 2, cpus: 8 })] }, 'unschedulable: no node in pool "default" has 2 GPUs and 8 CPUs at once'],
  ])("%s", (_, s, text) => {
    const d = place(snapshot(s));
    expect(d.place).toEqual([]);
    expect(why(d, "t")).toBe(text);
  });

  it("a draining node still counts as able (it comes back), but nothing is placed on it", () => {
    const d = place(snapshot({ nodes: [node("a", { gpus: 4, schedulable: false })], pending: [pending("t", { gpus: 2 })] }));
    expect(d.place).toEqual([]);
    expect(d.waiting.has("t")).toBe(false); // waits for room: not unschedulable
    expect(d.unexamined).toBe(1);
  });
});

describe("priorities and the queue", () => {
  it("on a one-slot pool a later high-priority task goes before an earlier low one; the rest wait in order", () => {
    const d = place(snapshot({ nodes: [node("a", { slots: 2 })], pending: [pending("low"), pending("low2"), pending("low3"), pending("high", { priority: 90 })] }));
    expect(placed(d)).toEqual({ high: "a:", low: "a:" });
    expect(d.unexamined).toBe(2); // no slot left: low2 and low3 wait for room, in line on read
    const blocked = place(snapshot({ nodes: [node("a", { slots: 1 }), node("b", { slots: 1, pools: ["other"] })], pending: [pending("high", { priority: 90 }), pending("low"), pending("low2")] }));
    expect(placed(blocked)).toEqual({ high: "a:" });
    expect([why(blocked, "low"), why(blocked, "low2")]).toEqual(['waiting for room in pool "default" (1st in line)', 'waiting for room in pool "default" (2nd in line)']);
  });

  it("a blocked task keeps the roomiest node for itself: smaller later tasks go elsewhere", () => {
    const d = place(
      snapshot({
        nodes: [node("a", { gpus: 2 }), node("b", { gpus: 2 })],
        running: [running("ra", "a", { gpus: ["a-gpu0"] }), running("rb", "b", { gpus: ["b-gpu0"] })],
        pending: [pending("two", { gpus: 2 }), pending("one", { gpus: 1 })],
      }),
    );
    expect(placed(d)).toEqual({ one: "b:b-gpu1" });
    expect(why(d, "two")).toBe('waiting for room in pool "default" (1st in line)');
  });
});

describe("preemption", () => {
  const full = () => [running("old", "a", { preemptible: true, priority: 10, startTime: 1 }), running("new", "a", { preemptible: true, priority: 10, startTime: 2 })];

  it("stops the most recently started preemptible lower-priority attempt, as few as make room", () => {
    const d = place(snapshot({ nodes: [node("a", { slots: 2 })], running: full(), pending: [pending("urgent", { priority: 90 })] }));
    expect(d.preempt).toEqual([{ taskId: "new", attempt: 1, nodeId: "a", forTaskId: "urgent" }]);
    expect(why(d, "urgent")).toBe("waiting for 1 preempted task to stop on node a");
  });

  it("prefers the node with the fewest victims", () => {
    const d = place(
      snapshot({
        nodes: [node("a", { gpus: 2 }), node("b", { gpus: 2 })],
        running: [
          running("a1", "a", { gpus: ["a-gpu0"], preemptible: true, priority: 10 }),
          running("a2", "a", { gpus: ["a-gpu1"], preemptible: true, priority: 10 }),
          running("b1", "b", { gpus: ["b-gpu0", "b-gpu1"], preemptible: true, priority: 10 }),
        ],
        pending: [pending("urgent", { gpus: 2, priority: 90 })],
      }),
    );
    expect(d.preempt.map((p) => p.taskId)).toEqual(["b1"]);
  });

  it("never stops a non-preemptible attempt, nor one of equal or higher priority", () => {
    for (const r of [running("x", "a", { priority: 10 }), running("x", "a", { preemptible: true, priority: 90 })]) {
      const d = place(snapshot({ nodes: [node("a", { slots: 1 })], running: [r], pending: [pending("urgent", { priority: 90 })] }));
      expect(d.preempt).toEqual([]);
      expect(d.waiting.has("urgent")).toBe(false); // waits for room
      expect(d.unexamined).toBe(1);
    }
  });

  it("waits for victims already being stopped instead of choosing more; places once they are gone", () => {
    const stopping = [running("new", "a", { preemptible: true, priority: 10, preemptedFor: "urgent" }), running("old", "a", { preemptible: true, priority: 10 })];
    const waiting = place(snapshot({ nodes: [node("a", { slots: 2 })], running: stopping, pending: [pending("urgent", { priority: 90 }), pending("later")] }));
    expect(waiting.preempt).toEqual([]);
    expect(waiting.place).toEqual([]); // the node is kept for the urgent task
    expect(why(waiting, "urgent")).toBe("waiting for 1 preempted task to stop on node a");
    const after = place(snapshot({ nodes: [node("a", { slots: 2 })], running: [stopping[1]!], pending: [pending("urgent", { priority: 90 }), pending("later")] }));
    expect(placed(after)).toEqual({ urgent: "a:" });
  });

  it("two urgent tasks do not choose the same victim", () => {
    const d = place(snapshot({ nodes: [node("a", { slots: 2 })], running: full(), pending: [pending("u1", { priority: 90 }), pending("u2", { priority: 90 })] }));
    expect(d.preempt.map((p) => `${p.taskId}→${p.forTaskId}`)).toEqual(["new→u1"]);
    // u2 cannot preempt on a (kept for u1) and no other node exists.
    expect(why(d, "u2")).toMatch(/^waiting for room/);
  });
});

describe("quotas and fair share", () => {
  it("max_running and max_gpus hold; the message names the quota", () => {
    const s = snapshot({
      nodes: [node("a", { gpus: 4, slots: 8 })],
      running: [running("r", "a", { namespace: "team-a", gpus: ["a-gpu0"] })],
      pending: [pending("t1", { namespace: "team-a", gpus: 1 }), pending("t2", { namespace: "team-a", gpus: 1 }), pending("t3", { namespace: "team-a" })],
      quotas: { "team-a": { maxGpus: 2, maxRunning: 3 } },
    });
    const d = place(s);
    expect(placed(d)).toEqual({ t1: "a:a-gpu1", t3: "a:" });
    expect(why(d, "t2")).toBe('waiting for quota: namespace "team-a" has 2 of max_gpus 2');
    const d2 = place({ ...s, quotas: { "team-a": { maxRunning: 1 } } });
    expect(d2.place).toEqual([]);
    expect(why(d2, "t1")).toBe('waiting for quota: namespace "team-a" has 1 of max_running 1');
  });

  it("at equal priority the namespace using least of its share goes first, even with newer tasks", () => {
    const d = place(
      snapshot({
        nodes: [node("a", { slots: 4 })],
        running: [running("r1", "a", { namespace: "busy" }), running("r2", "a", { namespace: "busy" })],
        pending: [pending("b1", { namespace: "busy" }), pending("b2", { namespace: "busy" }), pending("i1", { namespace: "idle" }), pending("i2", { namespace: "idle" })],
      }),
    );
    expect(Object.keys(placed(d)).sort()).toEqual(["i1", "i2"]);
  });

  it("fair share alternates between namespaces with nothing running", () => {
    const d = place(
      snapshot({
        nodes: [node("a", { slots: 3 })],
        pending: [pending("x1", { namespace: "x" }), pending("x2", { namespace: "x" }), pending("x3", { namespace: "x" }), pending("y1", { namespace: "y" })],
      }),
    );
    expect(d.place.map((p) => p.taskId)).toEqual(["x1", "y1", "x2"]);
  });
});

describe("CPU and memory accounting", () => {
  it("places only where the CPUs and memory left suffice", () => {
    const d = place(
      snapshot({
        nodes: [node("a", { cpus: 8, memoryBytes: 16 * GiB }), node("b", { cpus: 2, memoryBytes: 4 * GiB })],
        running: [{ ...running("r", "a"), resources: { cpus: 6, memoryBytes: 4 * GiB, gpus: 0 } }],
        pending: [pending("small", { cpus: 2, memoryBytes: 12 * GiB }), pending("big", { cpus: 4 }), pending("tiny", { cpus: 1, memoryBytes: GiB })],
      }),
    );
    // big waits on a (b could never run it): tiny, later, still fits b.
    expect(placed(d)).toEqual({ small: "a:", tiny: "b:" });
    expect(why(d, "big")).toBe('waiting for room in pool "default" (1st in line)');
  });
});

describe("waitText", () => {
  it("says where a task is in line", () => {
    const room = (position: number) => waitText({ kind: "room", pool: "gpu", position });
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map((n) => room(n).match(/\((\w+) in line\)/)![1])).toEqual([
      "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]);
  });
});

describe("a round's cost", () => {
  it("ends once no slot is free and nothing left could preempt; the rest are not looked at", () => {
    const d = place(snapshot({ nodes: [node("a", { slots: 2 })], pending: Array.from({ length: 1_000 }, (_, i) => pending(`t${i}`)) }));
    expect(d.place.map((p) => p.taskId)).toEqual(["t0", "t1"]);
    expect(d.waiting.size).toBe(0);
    expect(d.unexamined).toBe(998);
  });

  it("still tells the rest when a quota or their shape holds them back", () => {
    const d = place(
      snapshot({
        nodes: [node("a", { slots: 1, gpus: 1 })],
        pending: [pending("t0"), pending("huge", { gpus: 8 }), pending("capped", { namespace: "c" })],
        quotas: { c: { maxRunning: 0 } },
      }),
    );
    expect(d.unexamined).toBe(2);
    expect(why(d, "huge")).toBe('unschedulable: no node in pool "default" has 8 GPUs (largest: 1)');
    expect(why(d, "capped")).toBe('waiting for quota: namespace "c" has 0 of max_running 0');
  });

  it("goes on while a remaining attempt could preempt", () => {
    const d = place(
      snapshot({
        nodes: [node("a", { slots: 1 })],
        running: [running("r", "a", { preemptible: true, priority: 10 })],
        pending: [pending("urgent", { priority: 90 }), pending("low", { priority: 5 })],
      }),
    );
    expect(d.preempt.map((p) => p.taskId)).toEqual(["r"]);
    expect(d.unexamined).toBe(1); // low: below every victim, no slot
  });
});

describe("preemption, review cases", () => {
  it("stops only what frees something missing, and spares victims another made unneeded", () => {
    // P needs the GPU: the CPU-only task started later frees nothing P lacks (a slot is free).
    const d = place(
      snapshot({
        nodes: [node("a", { gpus: 1, slots: 3 })],
        running: [running("gpu", "a", { gpus: ["a-gpu0"], preemptible: true, priority: 10, startTime: 1 }), running("cpu", "a", { preemptible: true, priority: 10, startTime: 2 })],
        pending: [pending("p", { gpus: 1, priority: 90 })],
      }),
    );
    expect(d.preempt.map((x) => x.taskId)).toEqual(["gpu"]);
  });

  it("counts this round's placements: no victim that would not make room", () => {
    // 3 GPUs, V holds one; A (earlier in line) takes another: P (3 GPUs) cannot fit even without V.
    const d = place(
      snapshot({
        nodes: [node("a", { gpus: 3 })],
        running: [running("v", "a", { gpus: ["a-gpu0"], preemptible: true, priority: 10 })],
        pending: [pending("a1", { gpus: 1, priority: 95 }), pending("p", { gpus: 3, priority: 90 })],
      }),
    );
    expect(placed(d)).toEqual({ a1: "a:a-gpu1" });
    expect(d.preempt).toEqual([]);
  });

  it("what is being stopped for an attempt is kept for it, even from attempts earlier in line", () => {
    const d = place(
      snapshot({
        nodes: [node("a", { slots: 1 })],
        running: [running("v", "a", { preemptible: true, priority: 10, preemptedFor: "p" })],
        pending: [pending("first", { priority: 90 }), pending("p", { priority: 90 })],
      }),
    );
    expect(d.preempt).toEqual([]);
    expect(why(d, "p")).toBe("waiting for 1 preempted task to stop on node a");
    // Once they stopped, the room is still its own (the record keeps where it preempted).
    const after = place(snapshot({ nodes: [node("a", { slots: 1 })], running: [], pending: [pending("first", { priority: 90, queuedAt: 1 }), pending("p", { priority: 90, queuedAt: 2, reservedOn: "a" })] }));
    expect(placed(after)).toEqual({ p: "a:" });
  });
});

describe("arrays: max_parallel", () => {
  it("places an array's tasks only up to max_parallel, counting those running or placed, and says so for the rest", () => {
    const array = { id: "a-1", maxParallel: 2 };
    const d = place(
      snapshot({
        nodes: [node("n1", { slots: 8 })],
        running: [running("r0", "n1", { arrayId: "a-1" })],
        pending: [pending("p1", { array, queuedAt: 1 }), pending("p2", { array, queuedAt: 2 }), pending("p3", { array, queuedAt: 3 }), pending("other", { queuedAt: 4 })],
      }),
    );
    expect(Object.keys(placed(d)).sort()).toEqual(["other", "p1"]);
    expect(why(d, "p2")).toBe("waiting: array a-1 already runs its max_parallel of 2");
    expect(why(d, "p3")).toBe("waiting: array a-1 already runs its max_parallel of 2");
  });
});
