// An agent never runs more tasks than its slots; queued work waits as PENDING and runs as
// slots free up; nothing is left behind.
import { describe, expect, it } from "vitest";
import { TaskState } from "@trainyard/client";
import { clusterForSuite, createAgentClient, type TestCluster } from "./harness/cluster.js";
import { ms, sh, spec } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("slots", { agents: [{ slots: 2 }] }, (x) => (c = x));

describe("slots", () => {
  it("never runs more than TRAINYARD_AGENT_SLOTS tasks at once", async () => {
    const agent = createAgentClient({ baseUrl: c.agents[0]!.url });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await c.client.submit(spec({ command: sh("sleep 0.7") }))).task!.id);

    let maxRunning = 0;
    let maxContainers = 0;
    let sawPending = false;
    const sampling = (async () => {
      for (;;) {
        const node = (await agent.getNode({})).node!;
        maxRunning = Math.max(maxRunning, node.running.length);
        expect(node.freeSlots).toBeGreaterThanOrEqual(0);
        maxContainers = Math.max(maxContainers, (await c.containers()).length);
        const states = await Promise.all(ids.map(async (id) => (await c.client.get({ taskId: id })).task!.state));
        if (states.includes(TaskState.PENDING)) sawPending = true;
        if (states.every((s) => s === TaskState.SUCCEEDED)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await sampling;
    expect(maxRunning).toBeLessThanOrEqual(2);
    expect(maxRunning).toBeGreaterThanOrEqual(1);
    expect(maxContainers).toBeLessThanOrEqual(2);
    expect(sawPending).toBe(true);

    // From the records: at no instant do more than two attempts overlap.
    const tasks = await Promise.all(ids.map(async (id) => (await c.client.get({ taskId: id })).task!));
    const edges = tasks.flatMap((t) => [
      [ms(t.attempts[0]!.startTime), 1],
      [ms(t.attempts[0]!.endTime), -1],
    ]) as [number, number][];
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    for (const [, d] of edges) {
      open += d;
      expect(open).toBeLessThanOrEqual(2);
    }
    expect(await c.containers()).toEqual([]);
    const node = (await agent.getNode({})).node!;
    expect(node.freeSlots).toBe(2);
    expect(node.id).toBe(c.agents[0]!.nodeId);
    expect(node.pools).toEqual(["default"]);
  });

  it("streams a running task's output from the agent itself", async () => {
    const agent = createAgentClient({ baseUrl: c.agents[0]!.url });
    const { task } = await c.client.submit(spec({ command: sh("echo local-1; sleep 0.5; echo local-2") }));
    await c.waitFor(task!.id, (t) => t.attempts[0]!.containerId !== "");
    let out = "";
    for await (const r of agent.streamLogs({ taskId: task!.id, follow: true })) {
      out += r.frames.map((f) => Buffer.from(f.data).toString()).join("");
    }
    expect(out).toContain("local-1\nlocal-2\n");
    await expect(agent.streamLogs({ taskId: "t-other" })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 5 });
  });
});
