// The placer lease with real processes: two scheduler replicas, one places; kill -9 it and the
// other takes placement over within the lease (10 s), while both kept serving the API. Nothing
// is placed twice: every attempt has exactly one "placed" event, and every task runs once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskState, type SchedulerClient } from "@trainyard/client";
import { dockerAvailable, listContainers, removeContainers } from "../harness/docker.js";
import { startNats, type NatsServer } from "../harness/nats.js";
import { startSchedulerProcess, startService, waitForLine, type ServiceProcess } from "../harness/processes.js";
import { sh, spec, waitFinal } from "../harness/tasks.js";

let nats: NatsServer;
const procs: ServiceProcess[] = [];
const nodeId = `placer-faults-${process.pid}`;

beforeAll(async () => {
  await dockerAvailable();
  nats = await startNats();
});
afterAll(async () => {
  procs.forEach((p) => p.kill("SIGKILL"));
  await nats?.stop();
  await removeContainers(`trainyard.node=${nodeId}`);
});

async function scheduler(name: string): Promise<{ proc: ServiceProcess; client: SchedulerClient }> {
  const s = await startSchedulerProcess(name, nats.url);
  procs.push(s.proc);
  return s;
}

const placerOf = (s: { proc: ServiceProcess }) => s.proc.output().some((l) => l.includes("placer lease taken"));

describe("placer failover", () => {
  it("kill -9 of the placer: the other replica places within the lease, nothing placed twice", async () => {
    const a = await scheduler("placer-a");
    const b = await scheduler("placer-b");
    const agent = startService("agent", nodeId, { TRAINYARD_NATS_URL: nats.url, TRAINYARD_AGENT_ID: nodeId, TRAINYARD_AGENT_SLOTS: "4", TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0", TRAINYARD_LOG_DIR: `/tmp/trainyard-tests/${nodeId}` });
    procs.push(agent);
    await waitForLine(agent, "agent serving");
    const deadline = Date.now() + 15_000;
    while (!placerOf(a) && !placerOf(b) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const [placer, other] = placerOf(a) ? [a, b] : [b, a];
    expect(placerOf(placer)).toBe(true);
    expect(placerOf(other)).toBe(false);

    const before = await Promise.all(Array.from({ length: 4 }, (_, i) => other.client.submit(spec({ command: sh(`echo before ${i}`) }))));
    for (const r of before) expect((await waitFinal(other.client, r.task!.id)).state).toBe(TaskState.SUCCEEDED);

    placer.proc.kill("SIGKILL");
    const killedAt = Date.now();
    const after = await Promise.all(Array.from({ length: 4 }, (_, i) => other.client.submit(spec({ command: sh(`echo after ${i}`) }))));
    for (const r of after) expect((await waitFinal(other.client, r.task!.id)).state).toBe(TaskState.SUCCEEDED);
    expect(placerOf(other)).toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(30_000);

    for (const r of [...before, ...after]) {
      const t = (await other.client.get({ taskId: r.task!.id })).task!;
      expect(t.attempts).toHaveLength(1);
      const events = (await other.client.getEvents({ taskId: t.id })).events;
      expect(events.filter((e) => e.type === "placed")).toHaveLength(1);
      expect(events.filter((e) => e.type === "started")).toHaveLength(1);
    }
    expect(await listContainers(`trainyard.node=${nodeId}`)).toEqual([]);
  });
});
