// Scheduler failures with real processes: kill -9 in the middle of a task and start another
// (followers of StreamLogs and Watch reconnect and resume; the task finishes and is recorded),
// and two replicas on one NATS at once (both serve; nothing applied or dispatched twice).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogStream, TaskState, type LogFrame, type SchedulerClient } from "@trainyard/client";
import { startNats, type NatsServer } from "../harness/nats.js";
import { dockerAvailable, listContainers, removeContainers } from "../harness/docker.js";
import { startSchedulerProcess, startService, waitForLine, type ServiceProcess } from "../harness/processes.js";
import { readLog, sh, spec, text, waitFinal } from "../harness/tasks.js";

let nats: NatsServer;
let agent: ServiceProcess;
const procs: ServiceProcess[] = [];
const nodeId = `sched-faults-${process.pid}`;

beforeAll(async () => {
  await dockerAvailable();
  nats = await startNats();
  agent = track(startService("agent", nodeId, { TRAINYARD_NATS_URL: nats.url, TRAINYARD_AGENT_ID: nodeId, TRAINYARD_AGENT_SLOTS: "4", TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0", TRAINYARD_LOG_DIR: `/tmp/trainyard-tests/${nodeId}` }));
  // An agent never creates streams and buckets: it waits for the first scheduler to.
  await waitForLine(agent, "waiting for the scheduler to create streams and buckets");
});
afterAll(async () => {
  procs.forEach((p) => p.kill("SIGKILL"));
  await nats?.stop();
  await removeContainers(`trainyard.node=${nodeId}`);
});

function track(p: ServiceProcess): ServiceProcess {
  procs.push(p);
  return p;
}

async function scheduler(name: string): Promise<{ proc: ServiceProcess; client: SchedulerClient }> {
  const s = await startSchedulerProcess(name, nats.url);
  track(s.proc);
  await waitForLine(agent, "agent serving");
  return s;
}

describe("scheduler faults", () => {
  it("kill -9 mid-task: followers resume on a new scheduler, the task finishes and is recorded, nothing lost", async () => {
    const s1 = await scheduler("sched-1");
    const { task } = await s1.client.submit(spec({ command: sh("for i in $(seq 1 60); do echo $i; sleep 0.05; done") }));
    const got: LogFrame[] = [];
    const states: TaskState[] = [];
    const following = (async () => {
      for await (const r of s1.client.streamLogs({ taskId: task!.id, follow: true })) got.push(...r.frames);
    })().catch((e: unknown) => e);
    const watching = (async () => {
      for await (const r of s1.client.watch({ taskId: task!.id })) states.push(r.task!.state);
    })().catch((e: unknown) => e);
    while (!text(got, LogStream.STDOUT).includes("10\n")) await new Promise((r) => setTimeout(r, 20));
    s1.proc.kill("SIGKILL");
    expect(await following).toBeInstanceOf(Error);
    expect(await watching).toBeInstanceOf(Error);

    const s2 = await scheduler("sched-2");
    const rest = await readLog(s2.client, task!.id, { follow: true, afterSeq: got[got.length - 1]!.seq });
    const expected = Array.from({ length: 60 }, (_, i) => `${i + 1}\n`).join("");
    expect(text([...got, ...rest], LogStream.STDOUT)).toBe(expected);
    const done = await waitFinal(s2.client, task!.id);
    expect(done.state).toBe(TaskState.SUCCEEDED);
    expect(done.attempts).toHaveLength(1);
    const last: TaskState[] = [];
    for await (const r of s2.client.watch({ taskId: task!.id })) {
      last.push(r.task!.state);
      break;
    }
    expect(last).toEqual([TaskState.SUCCEEDED]);
    expect([TaskState.PENDING, TaskState.RUNNING]).toContain(states[0]); // the state when Watch began
    s2.proc.kill("SIGTERM");
    await s2.proc.exited;
  });

  it("two replicas at once both serve every RPC; no task is dispatched or recorded twice", async () => {
    const a = await scheduler("sched-a");
    const b = await scheduler("sched-b");
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) {
      const c = i % 2 ? a.client : b.client;
      ids.push((await c.submit(spec({ command: sh(`echo task ${i}`), labels: { batch: "replicas" } }))).task!.id);
    }
    for (const [i, id] of ids.entries()) {
      const t = await waitFinal(i % 2 ? b.client : a.client, id);
      expect(t.state).toBe(TaskState.SUCCEEDED);
      expect(t.attempts).toHaveLength(1);
      const frames = await readLog(i % 2 ? a.client : b.client, id);
      expect(text(frames, LogStream.STDOUT)).toBe(`task ${i}\n`);
      expect(text(frames, LogStream.SYSTEM).match(/exited with code 0/g)).toHaveLength(1);
    }
    for (const c of [a.client, b.client]) {
      const listed = await c.list({ labels: { batch: "replicas" } });
      expect(listed.tasks.map((t) => t.id).sort()).toEqual([...ids].sort());
    }
    expect(await listContainers(`trainyard.node=${nodeId}`)).toEqual([]);
    for (const s of [a, b]) s.proc.kill("SIGTERM");
    await Promise.all([a.proc.exited, b.proc.exited]);
  });
});
