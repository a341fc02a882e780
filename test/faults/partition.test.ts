// A network partition between one agent and NATS, longer than the agent's lease: the agent
// stops its container before the lease lapses (self-fencing), the scheduler declares the
// attempt NODE_LOST and another agent runs the task, and at no moment do two containers of the
// task run at once. When the partition heals, the agent's late report changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FailureReason, LogStream, TaskState } from "@trainyard/client";
import { startCluster, type TestCluster } from "../harness/cluster.js";
import { dockerRequest, listContainers } from "../harness/docker.js";
import { startProxy, type TcpProxy } from "../harness/proxy.js";
import { readLog, sh, spec, text } from "../harness/tasks.js";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { attemptLogSubject, STREAM } from "@trainyard/common";

const LEASE = "3s";
let c: TestCluster;
let proxy: TcpProxy;
beforeAll(async () => {
  c = await startCluster("faults-partition", { agents: [], schedulerEnv: { TRAINYARD_AGENT_LEASE: LEASE } });
  proxy = await startProxy({ host: "127.0.0.1", port: c.nats.port });
});
afterAll(async () => {
  await proxy?.close();
  await c?.stop();
});

/** Running containers of a task, by node. */
async function running(taskId: string): Promise<string[]> {
  const r = await dockerRequest("GET", `/containers/json?filters=${encodeURIComponent(JSON.stringify({ label: [`trainyard.task=${taskId}`], status: ["running"] }))}`);
  return (JSON.parse(r.body) as { Labels: Record<string, string> }[]).map((x) => x.Labels["trainyard.node"]!);
}

/** Seq of the last frame agent A stored for attempt 1, once it is past `after` (the healed agent flushes). */
async function waitForLate(jsm: JetStreamManager, taskId: string, nodeId: string, after: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = await jsm.streams.getMessage(STREAM.logs, { last_by_subj: attemptLogSubject(taskId, 1, nodeId) });
    if ((m?.seq ?? 0) > after || Date.now() > deadline) return m?.seq ?? 0;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("partition", () => {
  it("an agent cut off from NATS past its lease stops its container before another agent starts the task", async () => {
    const a = await c.startAgent({ id: `part-a-${process.pid}`, pools: ["p-part"], slots: 1, env: { TRAINYARD_NATS_URL: proxy.url("nats"), TRAINYARD_AGENT_LEASE: LEASE } });
    const lines = 240; // 12 s: longer than the partition takes to be noticed and acted on
    const { task } = await c.client.submit(spec({ command: sh(`for i in $(seq 1 ${lines}); do echo $i; sleep 0.05; done`), pool: "p-part" }));
    const id = task!.id;
    await c.waitFor(id, (t) => t.attempts[0]!.containerId !== "");
    const b = await c.startAgent({ id: `part-b-${process.pid}`, pools: ["p-part"], slots: 1, env: { TRAINYARD_AGENT_LEASE: LEASE } });

    // Watch Docker the whole time: never two running containers of the task.
    let watching = true;
    let most = 0;
    const seen: string[][] = [];
    const watcher = (async () => {
      while (watching) {
        const nodes = await running(id);
        if (JSON.stringify(nodes) !== JSON.stringify(seen.at(-1))) seen.push(nodes); // changes only
        most = Math.max(most, nodes.length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    proxy.cut();
    const second = await c.waitFor(id, (t) => t.attempts.length === 2 && t.attempts[1]!.containerId !== "", 30_000);
    expect(second.attempts[0]!.failureReason).toBe(FailureReason.NODE_LOST);
    expect(second.attempts[1]!.nodeId).toBe(b.nodeId);
    await new Promise((r) => setTimeout(r, 1_000));
    proxy.restore();

    const done = await c.waitForState(id, TaskState.SUCCEEDED, 60_000);
    watching = false;
    await watcher;
    expect(most, `running containers, as they changed: ${JSON.stringify(seen)}`).toBeLessThanOrEqual(1);
    expect(seen.some((s) => s[0] === a.nodeId)).toBe(true);
    expect(seen.some((s) => s[0] === b.nodeId)).toBe(true);
    expect(done.attempts).toHaveLength(2);
    expect(done.attempts[0]!.failureReason).toBe(FailureReason.NODE_LOST);

    // The second attempt's log is complete; the healed agent removes its stopped container.
    const frames = await readLog(c.client, id);
    expect(text(frames.filter((f) => f.attempt === 2), LogStream.STDOUT)).toBe(Array.from({ length: lines }, (_, i) => `${i + 1}\n`).join(""));

    // The agent's frames stored after the attempt was declared lost (it buffered them while cut
    // off) are in the stream, but StreamLogs does not show them.
    const fence = frames.find((f) => f.attempt === 1 && f.stream === LogStream.SYSTEM && new TextDecoder().decode(f.data).startsWith("attempt 1 lost:"));
    expect(fence).toBeDefined();
    const nc = await connect({ servers: c.nats.url });
    try {
      const lastOfAgent = await waitForLate(await jetstreamManager(nc), id, a.nodeId, Number(fence!.seq));
      expect(lastOfAgent).toBeGreaterThan(Number(fence!.seq));
    } finally {
      await nc.close();
    }
    expect(frames.filter((f) => f.attempt === 1 && f.seq > fence!.seq)).toEqual([]);
    const deadline = Date.now() + 20_000;
    while ((await listContainers(`trainyard.node=${a.nodeId}`)).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await listContainers(`trainyard.node=${a.nodeId}`)).toEqual([]);
  });
});
