// Namespace quotas (issue 10) with two scheduler replicas on one NATS: max_running and max_gpus
// hold (the task waits, its message naming the quota) whichever replica took the submit, and
// Submit past max_pending is RESOURCE_EXHAUSTED naming the quota, storing nothing.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createTrainyardClient, TaskState, type TrainyardClient } from "@trainyard/client";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { ms, sh, spec } from "./harness/tasks.js";

const token = () => randomBytes(18).toString("base64url");
const T = { run: token(), gpu: token(), pend: token(), ops: token() };
const authFile = path.join(mkdtempSync(path.join(os.tmpdir(), "trainyard-quotas-")), "auth.yaml");
writeFileSync(
  authFile,
  `tokens:
  - { name: runner, token: "${T.run}", role: submitter, namespace: team-run }
  - { name: gpu, token: "${T.gpu}", role: submitter, namespace: team-gpu }
  - { name: pend, token: "${T.pend}", role: submitter, namespace: team-pend }
  - { name: ops, token: "${T.ops}", role: admin, namespace: "*" }
namespaces:
  team-run: { max_running: 1 }
  team-gpu: { max_gpus: 1 }
  team-pend: { max_pending: 2 }
`,
);
const env = { TRAINYARD_AUTH_FILE: authFile };

let c: TestCluster;
let second: { url: string };
clusterForSuite("quotas", { schedulerEnv: env, token: T.ops, agents: [{ slots: 4, env: { ...env, TRAINYARD_AGENT_GPU_IDS: "0,1,2", TRAINYARD_AGENT_GPU_MODE: "env" } }] }, (x) => {
  c = x;
});

const clients = async (t: string): Promise<[TrainyardClient, TrainyardClient]> => {
  second ??= await c.startScheduler();
  return [createTrainyardClient({ baseUrl: c.scheduler.url, token: t }), createTrainyardClient({ baseUrl: second.url, token: t })];
};

/** The most attempts of `ids` that ran at the same time, from their records. */
function maxOverlap(tasks: { attempts: { startTime?: { seconds: bigint; nanos: number }; endTime?: { seconds: bigint; nanos: number } }[] }[]): number {
  const edges = tasks.flatMap((t) => t.attempts.flatMap((a) => [[ms(a.startTime), 1] as const, [ms(a.endTime), -1] as const]));
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (open += d));
  return most;
}

describe("quotas across two replicas", () => {
  it("max_running: one at a time, the others wait and say which quota", async () => {
    const [a, b] = await clients(T.run);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await (i % 2 ? b : a).submit(spec({ command: sh("sleep 1.5") }))).task!.id);
    const waiting = await c.waitFor(ids[2]!, (t) => t.message.startsWith("waiting for quota"), 15_000);
    expect(waiting.message).toBe('waiting for quota: namespace "team-run" has 1 of max_running 1');
    const done = await Promise.all(ids.map((id) => c.waitForState(id, TaskState.SUCCEEDED, 30_000)));
    expect(maxOverlap(done)).toBe(1);
  });

  it("max_gpus: GPU tasks of the namespace never hold more devices than the quota", async () => {
    const [a, b] = await clients(T.gpu);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await (i % 2 ? b : a).submit(spec({ gpus: 1, command: sh("sleep 1.5") }))).task!.id);
    const waiting = await c.waitFor(ids[1]!, (t) => t.message.startsWith("waiting for quota"), 15_000);
    expect(waiting.message).toBe('waiting for quota: namespace "team-gpu" has 1 of max_gpus 1');
    const done = await Promise.all(ids.map((id) => c.waitForState(id, TaskState.SUCCEEDED, 30_000)));
    expect(maxOverlap(done)).toBe(1);
  });

  it("max_pending: Submit past it is RESOURCE_EXHAUSTED naming the quota, on either replica, and stores nothing", async () => {
    const [a, b] = await clients(T.pend);
    const ids = [(await a.submit(spec({ pool: "nowhere", command: sh("true") }))).task!.id, (await a.submit(spec({ pool: "nowhere", command: sh("true") }))).task!.id];
    const refused = await a.submit(spec({ pool: "nowhere", command: sh("true") })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.ResourceExhausted);
    expect((refused as ConnectError).rawMessage).toContain("max_pending is 2");
    // The other replica learns of the two from its view (within a moment), and refuses too.
    const deadline = Date.now() + 5_000;
    let other: unknown;
    do other = await b.submit(spec({ pool: "nowhere", command: sh("true") })).catch((e: unknown) => e);
    while (!(other instanceof ConnectError) && Date.now() < deadline);
    expect((other as ConnectError).code).toBe(Code.ResourceExhausted);
    expect((await a.list({})).tasks.filter((t) => t.state === TaskState.PENDING).length).toBeLessThanOrEqual(3);
    for (const id of ids) await a.cancel({ taskId: id });
    expect((await a.submit(spec({ pool: "nowhere", command: sh("true") }))).task!.state).toBe(TaskState.PENDING);
  });
});
