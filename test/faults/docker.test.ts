// The Docker Engine restarts under a running task (kill -9 of a private dockerd): the agent
// stays up, ends the attempt it can no longer see as CONTAINER_ERROR (an infrastructure
// failure, retried), takes no work while Docker is down, pulls again once it answers, and
// removes the container the engine left behind. Nothing else shares this engine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentClient, FailureReason, LogStream, TaskState } from "@trainyard/client";
import { startCluster, type TestCluster } from "../harness/cluster.js";
import { listContainers, TEST_IMAGE } from "../harness/docker.js";
import { startDockerd, type PrivateDockerd } from "../harness/dockerd.js";
import { startService, waitForLine, type ServiceProcess } from "../harness/processes.js";
import { readLog, sh, spec, text } from "../harness/tasks.js";

let c: TestCluster;
let dockerd: PrivateDockerd;
let agent: ServiceProcess;
const nodeId = `docker-faults-${process.pid}`;

beforeAll(async () => {
  dockerd = await startDockerd();
  dockerd.loadImage(TEST_IMAGE);
  c = await startCluster("faults-docker", { agents: [] });
  agent = startService("agent", nodeId, {
    DOCKER_HOST: dockerd.host,
    TRAINYARD_NATS_URL: c.nats.url,
    TRAINYARD_AGENT_ID: nodeId,
    TRAINYARD_POOLS: "p-docker",
    TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0",
    TRAINYARD_LOG_DIR: `/tmp/trainyard-tests/${nodeId}`,
  });
  await waitForLine(agent, "agent serving");
}, 120_000);
afterAll(async () => {
  agent?.kill("SIGKILL");
  await c?.stop();
  await dockerd?.stop();
});

describe("Docker Engine faults", () => {
  it("kill -9 of dockerd mid-task: CONTAINER_ERROR, the agent stays up, and the retry runs once Docker is back", async () => {
    const lines = 60;
    const { task } = await c.client.submit(spec({ command: sh(`for i in $(seq 1 ${lines}); do echo $i; sleep 0.1; done`), pool: "p-docker", delayMs: 200 }));
    const id = task!.id;
    await c.waitFor(id, (t) => t.attempts[0]!.containerId !== "");
    await new Promise((r) => setTimeout(r, 1_000));

    await dockerd.kill("SIGKILL");
    const failed = await c.waitFor(id, (t) => t.attempts[0]!.state === TaskState.FAILED, 30_000);
    expect(failed.attempts[0]!.failureReason).toBe(FailureReason.CONTAINER_ERROR);
    // Still up and serving while Docker is down; the retry waits for Docker.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await Promise.race([agent.exited, new Promise((r) => setTimeout(() => r("running"), 100))])).toBe("running");
    const url = JSON.parse(agent.output().find((l) => l.includes("agent serving"))!).url as string;
    const node = await createAgentClient({ baseUrl: url }).getNode({});
    expect(node.node?.id).toBe(nodeId);
    const waiting = (await c.client.get({ taskId: id })).task!;
    expect(waiting.state).toBe(TaskState.PENDING);
    expect(waiting.attempts).toHaveLength(2);

    await dockerd.restart();
    const done = await c.waitForState(id, TaskState.SUCCEEDED, 60_000);
    expect(done.attempts).toHaveLength(2);
    expect(done.attempts[1]!.nodeId).toBe(nodeId);
    const frames = await readLog(c.client, id);
    expect(text(frames.filter((f) => f.attempt === 2), LogStream.STDOUT)).toBe(Array.from({ length: lines }, (_, i) => `${i + 1}\n`).join(""));

    // The first attempt's container (stopped by the engine's restart) is removed too.
    const deadline = Date.now() + 20_000;
    while ((await listContainers(`trainyard.node=${nodeId}`, dockerd.host)).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await listContainers(`trainyard.node=${nodeId}`, dockerd.host)).toEqual([]);
  });

  it("a quick engine restart (back within a second or two) is still CONTAINER_ERROR, not the task's exit code", async () => {
    const { task } = await c.client.submit(spec({ command: sh("for i in $(seq 1 60); do echo $i; sleep 0.1; done"), pool: "p-docker", delayMs: 200 }));
    const id = task!.id;
    await c.waitFor(id, (t) => t.attempts[0]!.containerId !== "");
    await new Promise((r) => setTimeout(r, 500));
    await dockerd.kill("SIGKILL");
    await dockerd.restart();
    const done = await c.waitForState(id, TaskState.SUCCEEDED, 60_000);
    expect(done.attempts[0]!.failureReason).toBe(FailureReason.CONTAINER_ERROR);
    expect(done.attempts[0]!.message).toMatch(/Docker Engine/);
    expect(done.attempts).toHaveLength(2);
  });
});
