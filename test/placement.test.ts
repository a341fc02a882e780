// The scheduler places work (issue 10), on a real nats-server and Docker Engine: GPUs per device
// (agents declare ids in env mode; a task reads NVIDIA_VISIBLE_DEVICES from inside its
// container), unschedulable tasks say why, priorities order a one-slot pool, preemption stops a
// preemptible task for a higher one (PREEMPTED, then it runs again), node labels and network
// modes constrain placement, and DrainNode through the scheduler holds work back until undone.
import { describe, expect, it } from "vitest";
import { FailureReason, LogStream, NodeState, TaskState, type Task } from "@trainyard/client";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { ms, readLog, sh, spec, text } from "./harness/tasks.js";

const gpuAgent = (ids: string) => ({ pools: ["gpu"], slots: 4, env: { TRAINYARD_AGENT_GPU_IDS: ids, TRAINYARD_AGENT_GPU_MODE: "env" } });
let c: TestCluster;
clusterForSuite(
  "placement",
  { agents: [gpuAgent("0,1"), gpuAgent("2,3"), { pools: ["solo"], slots: 1, env: { TRAINYARD_AGENT_LABELS: "zone=x" } }] },
  (x) => (c = x),
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const get = async (id: string) => (await c.client.get({ taskId: id })).task!;
const soloNode = () => c.agents[2]!.nodeId;

describe("GPUs per device", () => {
  it("four one-GPU tasks on two 2-GPU agents never share a device, and the fifth waits", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await c.client.submit(spec({ pool: "gpu", gpus: 1, command: sh('echo "gpu=$NVIDIA_VISIBLE_DEVICES"; sleep 3') }))).task!.id);

    // Four run at once; the fifth is PENDING and says what it waits for.
    const deadline = Date.now() + 30_000;
    let tasks: Task[] = [];
    while (Date.now() < deadline) {
      tasks = await Promise.all(ids.map(get));
      if (tasks.filter((t) => t.state === TaskState.RUNNING).length === 4) break;
      await sleep(100);
    }
    const waiting = tasks.filter((t) => t.state === TaskState.PENDING);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.message).toMatch(/^waiting for room in pool "gpu"/);
    const nodes = (await c.client.listNodes({})).nodes.filter((n) => n.pools.includes("gpu"));
    expect(nodes.flatMap((n) => n.gpuDevices.filter((d) => d.taskId !== "")).map((d) => d.taskId).sort()).toEqual(
      tasks.filter((t) => t.state === TaskState.RUNNING).map((t) => t.id).sort(),
    );

    const done = await Promise.all(ids.map((id) => c.waitForState(id, TaskState.SUCCEEDED)));
    // Each saw exactly the device its record names, and no two overlapping attempts held one device.
    const held = await Promise.all(
      done.map(async (t) => {
        const a = t.attempts.at(-1)!;
        expect(a.gpuIds).toHaveLength(1);
        expect(text(await readLog(c.client, t.id), LogStream.STDOUT)).toBe(`gpu=${a.gpuIds[0]}\n`);
        return { device: `${a.nodeId}/${a.gpuIds[0]}`, from: ms(a.startTime), to: ms(a.endTime) };
      }),
    );
    for (const x of held) for (const y of held) if (x !== y && x.device === y.device) expect(x.to <= y.from || y.to <= x.from).toBe(true);
    expect(new Set(held.slice(0, 4).map((h) => h.device)).size).toBeGreaterThanOrEqual(3);
    expect(await c.containers()).toEqual([]);
  });

  it("a three-GPU task on two-GPU nodes stays PENDING and says it is unschedulable", async () => {
    const { task } = await c.client.submit(spec({ pool: "gpu", gpus: 3, command: sh("true") }));
    const t = await c.waitFor(task!.id, (t) => t.message.startsWith("unschedulable"), 10_000);
    expect(t.state).toBe(TaskState.PENDING);
    expect(t.message).toBe('unschedulable: no node in pool "gpu" has 3 GPUs (largest: 2)');
    await c.client.cancel({ taskId: task!.id });
  });
});

describe("priorities and preemption", () => {
  it("on a one-slot pool a later high-priority task runs before an earlier low one", async () => {
    const blocker = (await c.client.submit(spec({ pool: "solo", command: sh("sleep 2") }))).task!.id;
    await c.waitForState(blocker, TaskState.RUNNING);
    const low = (await c.client.submit(spec({ pool: "solo", priority: 10, command: sh("echo low") }))).task!.id;
    const high = (await c.client.submit(spec({ pool: "solo", priority: 90, command: sh("echo high") }))).task!.id;
    const [l, h] = await Promise.all([c.waitForState(low, TaskState.SUCCEEDED), c.waitForState(high, TaskState.SUCCEEDED)]);
    expect(h.spec!.priority).toBe(90);
    expect(ms(h.attempts[0]!.startTime)).toBeLessThan(ms(l.attempts[0]!.startTime));
  });

  it("a preemptible task is stopped for a higher-priority one, ends PREEMPTED, and later succeeds", async () => {
    const victim = (
      await c.client.submit(
        spec({ pool: "solo", priority: 20, preemptible: true, graceMs: 1_000, command: sh('if [ "$TRAINYARD_ATTEMPT" = 2 ]; then echo second; exit 0; fi; echo first; sleep 60') }),
      )
    ).task!.id;
    await c.waitFor(victim, (t) => t.state === TaskState.RUNNING && t.attempts[0]!.containerId !== "");
    const urgent = (await c.client.submit(spec({ pool: "solo", priority: 80, command: sh("echo urgent") }))).task!.id;
    const u = await c.waitForState(urgent, TaskState.SUCCEEDED, 30_000);
    const v = await c.waitForState(victim, TaskState.SUCCEEDED, 30_000);
    expect(v.attempts).toHaveLength(2);
    expect(v.attempts[0]).toMatchObject({ state: TaskState.FAILED, failureReason: FailureReason.PREEMPTED, message: `preempted by task ${urgent}` });
    expect(ms(u.attempts[0]!.startTime)).toBeGreaterThanOrEqual(ms(v.attempts[0]!.endTime));
    const system = text(await readLog(c.client, victim), LogStream.SYSTEM);
    expect(system).toContain(`preempting attempt 1 for task ${urgent}`);
    expect(system).toMatch(/infrastructure retry 1 of \d+; max_retries untouched/);
    expect(text(await readLog(c.client, victim), LogStream.STDOUT)).toBe("first\nsecond\n");
  });
});

describe("constraints", () => {
  it("node labels and network modes decide where a task may go, and say so when nowhere", async () => {
    const ok = (await c.client.submit(spec({ pool: "solo", nodeLabels: { zone: "x" }, command: sh("true") }))).task!.id;
    expect((await c.waitForState(ok, TaskState.SUCCEEDED)).attempts[0]!.nodeId).toBe(soloNode());
    const elsewhere = (await c.client.submit(spec({ pool: "solo", nodeLabels: { zone: "y" }, command: sh("true") }))).task!.id;
    expect((await c.waitFor(elsewhere, (t) => t.message.startsWith("unschedulable"), 10_000)).message).toBe('unschedulable: no node in pool "solo" has the labels zone=y');
    const host = spec({ pool: "solo", command: sh("true") });
    host.spec!.network = 2; // NETWORK_MODE_HOST; agents allow "none" unless told
    const net = (await c.client.submit(host)).task!.id;
    expect((await c.waitFor(net, (t) => t.message.startsWith("unschedulable"), 10_000)).message).toBe('unschedulable: no node in pool "solo" allows network host');
    for (const id of [elsewhere, net]) await c.client.cancel({ taskId: id });
  });
});

describe("nodes", () => {
  it("ListNodes shows capacity, devices and state; DrainNode holds work back and undo releases it", async () => {
    const listed = (await c.client.listNodes({})).nodes;
    const gpuA = listed.find((n) => n.id === c.agents[0]!.nodeId)!;
    expect(gpuA).toMatchObject({ state: NodeState.READY, slots: 4, pools: ["gpu"] });
    expect(gpuA.gpuDevices.map((d) => d.id)).toEqual(["0", "1"]);
    expect(listed.find((n) => n.id === soloNode())!.labels).toEqual({ zone: "x" });

    const drained = await c.client.drainNode({ nodeId: soloNode() });
    expect(drained.node).toMatchObject({ id: soloNode(), state: NodeState.DRAINING, draining: true });
    const held = (await c.client.submit(spec({ pool: "solo", command: sh("echo after-undo") }))).task!.id;
    await sleep(2_000);
    const t = await get(held);
    expect(t.state).toBe(TaskState.PENDING);
    expect(t.attempts[0]!.nodeId).toBe("");
    const undone = await c.client.drainNode({ nodeId: soloNode(), undo: true });
    expect(undone.node!.state).toBe(NodeState.READY);
    await c.waitForState(held, TaskState.SUCCEEDED, 20_000);
  });

  it("DrainNode names a node it does not know NOT_FOUND and a bad id INVALID_ARGUMENT", async () => {
    await expect(c.client.drainNode({ nodeId: "no-such-node" })).rejects.toMatchObject({ code: 5 });
    await expect(c.client.drainNode({ nodeId: "bad id" })).rejects.toMatchObject({ code: 3, rawMessage: expect.stringContaining("node_id") });
  });

  it("a drain deadline stops the running attempts, which end NODE_LOST and run again once undone", async () => {
    const long = (await c.client.submit(spec({ pool: "solo", graceMs: 500, maxInfraRetries: 3, command: sh('if [ "$TRAINYARD_ATTEMPT" = 2 ]; then exit 0; fi; sleep 60') }))).task!.id;
    await c.waitFor(long, (t) => t.state === TaskState.RUNNING && t.attempts[0]!.containerId !== "");
    await c.client.drainNode({ nodeId: soloNode(), deadline: { seconds: 1n, nanos: 0 } });
    const stopped = await c.waitFor(long, (t) => t.attempts.length === 2, 20_000);
    expect(stopped.attempts[0]).toMatchObject({ failureReason: FailureReason.NODE_LOST, message: "stopped: the node was drained" });
    expect(stopped.state).toBe(TaskState.PENDING);
    await c.client.drainNode({ nodeId: soloNode(), undo: true });
    await c.waitForState(long, TaskState.SUCCEEDED, 20_000);
  });
});
