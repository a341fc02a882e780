// Agent failures with real processes: SIGKILL and restart within the lease (re-attach, log
// continues with no line lost or repeated), SIGKILL and never back (NODE_LOST, another agent
// finishes the task, the stale container is fenced when the agent returns), SIGTERM (containers
// left running and re-attached), and Drain with a deadline.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentClient, FailureReason, LogStream, TaskState } from "@trainyard/client";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { startCluster, type TestCluster } from "../harness/cluster.js";
import { listContainers } from "../harness/docker.js";
import { startService, waitForLine, type ServiceProcess } from "../harness/processes.js";
import { readLog, sh, spec, text, until } from "../harness/tasks.js";

// Long enough for an agent process to restart within it on a busy machine (node start-up alone
// has taken 2.8 s here with the whole suite running), short enough that a lost node is seen soon.
const LEASE = "6s";
let c: TestCluster;
const procs: ServiceProcess[] = [];
beforeAll(async () => {
  c = await startCluster("faults-agent", { agents: [], schedulerEnv: { TRAINYARD_AGENT_LEASE: LEASE, TRAINYARD_DISPATCH_VERIFY: "2s" } });
});
afterAll(async () => {
  procs.forEach((p) => p.kill("SIGKILL"));
  await c?.stop();
});

function agentProcess(id: string, pool: string, logDir: string): ServiceProcess {
  const p = startService("agent", `faults-${id}`, {
    TRAINYARD_NATS_URL: c.nats.url,
    TRAINYARD_AGENT_ID: id,
    TRAINYARD_POOLS: pool,
    TRAINYARD_AGENT_SLOTS: "2",
    TRAINYARD_AGENT_LEASE: LEASE,
    TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0",
    TRAINYARD_LOG_DIR: logDir,
  });
  procs.push(p);
  return p;
}

const numbers = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join("");
const counting = (n: number, pause = "0.05") => sh(`for i in $(seq 1 ${n}); do echo $i; sleep ${pause}; done`);

/** An agent process of its own (node `<name>-<pid>`, pool `p-<name>`) running a task that counts to `lines`. */
async function agentRunningTask(name: string, lines: number) {
  const id = `${name}-${process.pid}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), "ty-agent-"));
  const a = agentProcess(id, `p-${name}`, dir);
  await waitForLine(a, "agent serving");
  const task = (await c.client.submit(spec({ command: counting(lines), pool: `p-${name}` }))).task!;
  await c.waitFor(task.id, (t) => t.attempts[0]!.containerId !== "");
  return { id, dir, a, task };
}

describe("agent faults", () => {
  it("re-attaches after SIGKILL and a restart within the lease: one attempt, every line exactly once", async () => {
    const { id, dir, task, ...started } = await agentRunningTask("reattach", 80);
    let a = started.a;
    await new Promise((r) => setTimeout(r, 1_000));
    a.kill("SIGKILL");
    await a.exited;
    await new Promise((r) => setTimeout(r, 700)); // the container writes on while no agent reads
    a = agentProcess(id, "p-reattach", dir);
    await waitForLine(a, "re-attached to a running attempt");
    const done = await c.waitForState(task.id, TaskState.SUCCEEDED, 60_000);
    expect(done.attempts).toHaveLength(1);
    const frames = await readLog(c.client, task.id);
    expect(text(frames, LogStream.STDOUT)).toBe(numbers(80));
    expect(text(frames, LogStream.SYSTEM)).toContain("agent restarted: re-attached to the running container");
    expect(await listContainers(`trainyard.node=${id}`)).toEqual([]);
    a.kill("SIGTERM");
    await a.exited;
  });

  it("re-attaches after SIGKILL in the middle of a bursty writer on both streams: every line of each stream exactly once, in order", async () => {
    const id = `burst-${process.pid}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), "ty-agent-"));
    let a = agentProcess(id, "p-burst", dir);
    await waitForLine(a, "agent serving");
    // 40,000 lines a stream in bursts of 1,000, written by two processes at once, for about 4 s.
    const N = 40_000;
    const bursts = "for b in $(seq 0 39); do seq $((b*1000+1)) $((b*1000+1000)); sleep 0.1; done";
    const task = (await c.client.submit(spec({ command: sh(`${bursts} & ${bursts} | sed 's/^/e/' >&2; wait`), pool: "p-burst" }))).task!;
    await c.waitFor(task.id, (t) => t.attempts[0]!.containerId !== "");
    await until(async () => text(await readLog(c.client, task.id), LogStream.STDOUT).length > 0, "some output published", 30_000);
    a.kill("SIGKILL");
    await a.exited;
    a = agentProcess(id, "p-burst", dir); // the container writes on while no agent reads
    await waitForLine(a, "re-attached to a running attempt");
    const done = await c.waitForState(task.id, TaskState.SUCCEEDED, 90_000);
    expect(done.attempts).toHaveLength(1);
    const frames = await readLog(c.client, task.id);
    expect(text(frames, LogStream.SYSTEM)).toContain("agent restarted: re-attached to the running container");
    expect(text(frames, LogStream.STDOUT) === numbers(N)).toBe(true);
    expect(text(frames, LogStream.STDERR) === Array.from({ length: N }, (_, i) => `e${i + 1}\n`).join("")).toBe(true);
    a.kill("SIGTERM");
    await a.exited;
  });

  it("leaves running containers on SIGTERM and re-attaches on the next start", async () => {
    const { id, dir, task, ...started } = await agentRunningTask("sigterm", 60);
    let a = started.a;
    a.kill("SIGTERM");
    expect(await a.exited).toBe("0");
    expect(await listContainers(`trainyard.node=${id}`)).toHaveLength(1);
    a = agentProcess(id, "p-sigterm", dir);
    const done = await c.waitForState(task.id, TaskState.SUCCEEDED, 60_000);
    expect(done.attempts).toHaveLength(1);
    expect(text(await readLog(c.client, task.id), LogStream.STDOUT)).toBe(numbers(60));
    expect(await listContainers(`trainyard.node=${id}`)).toEqual([]);
    a.kill("SIGTERM");
    await a.exited;
  });

  it("declares a SIGKILLed agent that does not come back lost; another agent finishes; the stale container is fenced on its return", async () => {
    const idA = `lost-a-${process.pid}`;
    const idB = `lost-b-${process.pid}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), "ty-agent-"));
    let a = agentProcess(idA, "p-lost", dir);
    await waitForLine(a, "agent serving");
    const { task } = await c.client.submit(spec({ command: sh('echo "attempt $TRAINYARD_ATTEMPT"; sleep 600'), pool: "p-lost", maxRetries: 0 }));
    await c.waitFor(task!.id, (t) => t.attempts[0]!.containerId !== "");
    a.kill("SIGKILL");
    await a.exited;
    const b = agentProcess(idB, "p-lost", dir);
    await waitForLine(b, "agent serving");
    const second = await c.waitFor(task!.id, (t) => t.attempts.length === 2 && t.attempts[1]!.containerId !== "", 60_000);
    expect(second.attempts[0]!.failureReason).toBe(FailureReason.NODE_LOST);
    expect(second.attempts[0]!.nodeId).toBe(idA);
    expect(second.attempts[1]!.nodeId).toBe(idB);
    // NODE_LOST does not spend max_retries (0 here): the task runs again anyway.
    expect(second.state).toBe(TaskState.RUNNING);
    expect(await listContainers(`trainyard.node=${idA}`)).toHaveLength(1); // the dead agent's container
    a = agentProcess(idA, "p-lost", dir);
    await waitForLine(a, "no longer ours: removing it");
    await until(async () => (await listContainers(`trainyard.node=${idA}`)).length === 0, "the stale container removed", 15_000);
    await c.client.cancel({ taskId: task!.id });
    await c.waitForState(task!.id, TaskState.CANCELLED, 30_000);
    const sys = text(await readLog(c.client, task!.id), LogStream.SYSTEM);
    expect(sys).toMatch(/attempt 1 lost: no heartbeat from node lost-a-\d+ for/);
    expect(await listContainers(`trainyard.node=${idB}`)).toEqual([]);
    for (const p of [a, b]) p.kill("SIGTERM");
    await Promise.all([a.exited, b.exited]);
  });

  it("drains: no new work, and past the deadline running tasks end NODE_LOST and run elsewhere", async () => {
    const d1 = await c.startAgent({ id: `drain-1-${process.pid}`, pools: ["p-drain"], slots: 1, env: { TRAINYARD_AGENT_LEASE: LEASE } });
    const { task } = await c.client.submit(spec({ command: sh('echo "on $TRAINYARD_ATTEMPT"; sleep 600'), pool: "p-drain", graceMs: 500, maxRetries: 0 }));
    await c.waitFor(task!.id, (t) => t.attempts[0]!.containerId !== "");
    const agent = createAgentClient({ baseUrl: d1.url });
    const { node } = await agent.drain({ deadline: durationFromMs(500) });
    expect(node!.draining).toBe(true);
    expect(node!.running).toEqual([]);
    const after = await c.waitFor(task!.id, (t) => t.attempts.length === 2);
    expect(after.attempts[0]!.failureReason).toBe(FailureReason.NODE_LOST);
    const d2 = await c.startAgent({ id: `drain-2-${process.pid}`, pools: ["p-drain"], slots: 1 });
    await c.waitFor(task!.id, (t) => t.attempts[1]!.nodeId === d2.nodeId);
    await c.client.cancel({ taskId: task!.id });
    await c.waitForState(task!.id, TaskState.CANCELLED, 30_000);
  });
});
