// NATS restarts (store on disk) with real processes: scheduler and agent reconnect by
// themselves, the task that ran meanwhile finishes and is recorded, and its log, including
// what was written during the outage, arrives complete, exactly once.
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTrainyardClient, LogStream, TaskState, type LogFrame, type SchedulerClient } from "@trainyard/client";
import { dockerAvailable, listContainers, removeContainers } from "../harness/docker.js";
import { freePort, startNats, type NatsServer } from "../harness/nats.js";
import { startService, waitForLine, type ServiceProcess } from "../harness/processes.js";
import { sh, spec, text, until } from "../harness/tasks.js";

let nats: NatsServer;
let client: SchedulerClient;
const procs: ServiceProcess[] = [];
const nodeId = `nats-faults-${process.pid}`;

beforeAll(async () => {
  await dockerAvailable();
  nats = await startNats();
  const port = await freePort();
  const sched = startService("scheduler", "nats-faults-scheduler", { TRAINYARD_NATS_URL: nats.url, TRAINYARD_GRPC_ADDR: `127.0.0.1:${port}` });
  const agent = startService("agent", nodeId, { TRAINYARD_NATS_URL: nats.url, TRAINYARD_AGENT_ID: nodeId, TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0", TRAINYARD_LOG_DIR: `/tmp/trainyard-tests/${nodeId}` });
  procs.push(sched, agent);
  await waitForLine(sched, "scheduler serving");
  await waitForLine(agent, "agent serving");
  client = createTrainyardClient({ baseUrl: `http://127.0.0.1:${port}` });
});
afterAll(async () => {
  procs.forEach((p) => p.kill("SIGKILL"));
  await nats?.stop();
  await removeContainers(`trainyard.node=${nodeId}`);
});

/** Follows a task's log to its end, reconnecting with after_seq whenever the stream breaks. */
async function followToEnd(id: string, ms = 90_000): Promise<LogFrame[]> {
  const frames: LogFrame[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const afterSeq = frames.length ? frames[frames.length - 1]!.seq : 0n;
      for await (const r of client.streamLogs({ taskId: id, follow: true, afterSeq })) frames.push(...r.frames);
      return frames;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Resolves once the task's first attempt has a container. */
function untilStarted(id: string): Promise<void> {
  return until(async () => Boolean((await client.get({ taskId: id })).task!.attempts[0]?.containerId), `task ${id} started`);
}

describe("NATS faults", () => {
  it("kill -9 of nats-server mid-task: everything reconnects, the task is recorded, its log is complete", async () => {
    const { task } = await client.submit(spec({ command: sh("for i in $(seq 1 100); do echo $i; sleep 0.05; done") }));
    const following = followToEnd(task!.id);
    await untilStarted(task!.id);
    await new Promise((r) => setTimeout(r, 800));
    nats.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 2_000)); // the container writes on; the agent cannot publish
    await nats.restart();
    const frames = await following;
    expect(text(frames, LogStream.STDOUT)).toBe(Array.from({ length: 100 }, (_, i) => `${i + 1}\n`).join(""));
    const seqs = frames.map((f) => f.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    let t = (await client.get({ taskId: task!.id })).task!;
    for (let i = 0; i < 100 && t.state !== TaskState.SUCCEEDED; i++) {
      await new Promise((r) => setTimeout(r, 100));
      t = (await client.get({ taskId: task!.id })).task!;
    }
    expect(t.state).toBe(TaskState.SUCCEEDED);
    expect(t.attempts).toHaveLength(1);
    expect(await listContainers(`trainyard.node=${nodeId}`)).toEqual([]);

    // And new work still flows.
    const { task: after } = await client.submit(spec({ command: sh("echo after the restart") }));
    expect(text(await followToEnd(after!.id), LogStream.STDOUT)).toBe("after the restart\n");
  });

  it("a NATS outage longer than the agent's log buffer: what did not fit is dropped and one SYSTEM line says how much", async () => {
    const id = `nats-gap-${process.pid}`;
    const agent = startService("agent", id, { TRAINYARD_NATS_URL: nats.url, TRAINYARD_AGENT_ID: id, TRAINYARD_POOLS: "p-gap", TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0", TRAINYARD_LOG_DIR: `/tmp/trainyard-tests/${id}`, TRAINYARD_AGENT_LOG_BUFFER: "65536", TRAINYARD_AGENT_LEASE: "60s" });
    procs.push(agent);
    await waitForLine(agent, "agent serving");
    // 30,000 numbered lines of 66 bytes, 200 every 0.1 s (about 130 KB/s for 15 s).
    const total = 30_000;
    const script = `awk 'BEGIN{for(j=1;j<=150;j++){for(i=1;i<=200;i++) printf "%06d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\n", (j-1)*200+i; fflush(); system("sleep 0.1")}}'`;
    const { task } = await client.submit(spec({ command: sh(script), pool: "p-gap" }));
    await untilStarted(task!.id);
    await new Promise((r) => setTimeout(r, 1_000));
    nats.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 8_000)); // past the agent's publish timeout: it knows NATS is gone
    await nats.restart();
    const frames = await followToEnd(task!.id);
    const t = (await client.get({ taskId: task!.id })).task!;
    expect(t.state).toBe(TaskState.SUCCEEDED);

    const numbers = text(frames, LogStream.STDOUT).split("\n").filter(Boolean).map((l) => Number(l.slice(0, 6)));
    const gaps = frames.filter((f) => f.stream === LogStream.SYSTEM).map((f) => new TextDecoder().decode(f.data)).filter((l) => l.includes("not delivered"));
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    const dropped = gaps.reduce((n, l) => n + Number(/^(\d+) lines/.exec(l)![1]), 0);
    expect(numbers.every((n, i) => i === 0 || n > numbers[i - 1]!)).toBe(true); // in order, none twice
    expect(numbers.length + dropped).toBe(total);
    expect(dropped).toBeGreaterThan(0);
  });

  it("agent SIGTERM while NATS is down: the undelivered end of the log stays in the container, and the next start delivers it", async () => {
    const id = `nats-offline-${process.pid}`;
    const env = { TRAINYARD_NATS_URL: nats.url, TRAINYARD_AGENT_ID: id, TRAINYARD_POOLS: "p-offline", TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0", TRAINYARD_LOG_DIR: `/tmp/trainyard-tests/${id}`, TRAINYARD_AGENT_SHUTDOWN_GRACE: "1s" };
    let agent = startService("agent", id, env);
    procs.push(agent);
    await waitForLine(agent, "agent serving");
    const { task } = await client.submit(spec({ command: sh("for i in $(seq 1 30); do echo $i; sleep 0.05; done"), pool: "p-offline" }));
    await untilStarted(task!.id);
    nats.kill("SIGKILL");
    // The container ends and the runner is in its last phase (its end line is in the host's log
    // file), with frames it cannot publish.
    const hostLog = `/tmp/trainyard-tests/${id}/${task!.id}/attempt-1.log`;
    await until(() => existsSync(hostLog) && readFileSync(hostLog, "utf8").includes(" system exited with code 0"), "the attempt's end line in its host log");
    agent.kill("SIGTERM");
    expect(await agent.exited).toBe("0");
    expect(agent.output().some((l) => l.includes("container left for the next start"))).toBe(true);
    expect(await listContainers(`trainyard.node=${id}`)).toHaveLength(1);

    await nats.restart();
    agent = startService("agent", id, env);
    procs.push(agent);
    const frames = await followToEnd(task!.id);
    expect(text(frames, LogStream.STDOUT)).toBe(Array.from({ length: 30 }, (_, i) => `${i + 1}\n`).join(""));
    const t = (await client.get({ taskId: task!.id })).task!;
    expect(t.state).toBe(TaskState.SUCCEEDED);
    expect(t.attempts).toHaveLength(1);
    expect(await listContainers(`trainyard.node=${id}`)).toEqual([]);
    await removeContainers(`trainyard.node=${id}`);
  });
});
