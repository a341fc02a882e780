// Tokens, roles and namespaces on real ports, NATS and Docker: every RPC refuses a missing,
// wrong or expired token (gRPC and HTTP/1.1); each role can do exactly its list; a second
// namespace sees nothing of the first, and cannot mount its volumes; the agent's port wants an
// admin; the HTTP/1.1 port refuses a foreign Host; a scheduler without an auth file does not
// start beyond loopback; SIGHUP re-reads the file; the CLI and the Python client send tokens.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it } from "vitest";
import { createAgentClient, createTrainyardClient, FailureReason, LogStream, TaskState } from "@trainyard/client";
import { Health } from "@trainyard/client/gen/grpc/health/v1/health_pb";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { removeVolumes } from "./harness/docker.js";
import { freePort } from "./harness/nats.js";
import { startService, waitForLine } from "./harness/processes.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

const run = promisify(execFile);
const token = () => randomBytes(18).toString("base64url");
const T = { alice: token(), bob: token(), carol: token(), ops: token(), old: token(), late: token() };
const dir = mkdtempSync(path.join(os.tmpdir(), "trainyard-auth-"));
const authFile = path.join(dir, "auth.yaml");
const tokens = (extra = "") => `tokens:
  - { name: alice, token: "${T.alice}", role: submitter, namespace: team-a }
  - { name: bob, token: "${T.bob}", role: submitter, namespace: team-b }
  - { name: carol, token: "${T.carol}", role: viewer, namespace: team-a }
  - { name: ops, token: "${T.ops}", role: admin, namespace: "*" }
  - { name: old, token: "${T.old}", role: admin, namespace: "*", expires: 2020-01-01T00:00:00Z }
${extra}`;
writeFileSync(authFile, tokens());
const env = { TRAINYARD_AUTH_FILE: authFile };

let c: TestCluster;
clusterForSuite("auth", { schedulerEnv: env, agents: [{ env }], token: T.ops }, (x) => (c = x));
const volumes = new Set<string>();
afterAll(() => removeVolumes(volumes));

const as = (t?: string) => createTrainyardClient({ baseUrl: c.scheduler.url, ...(t ? { token: t } : {}) });
const run1 = spec({ command: sh("echo hello from $TRAINYARD_TASK_ID") });

describe("tokens", () => {
  const rpcs: [string, (cl: ReturnType<typeof as>) => Promise<unknown>][] = [
    ["Submit", (cl) => cl.submit(run1)],
    ["Get", (cl) => cl.get({ taskId: "t-1" })],
    ["List", (cl) => cl.list({})],
    ["Cancel", (cl) => cl.cancel({ taskId: "t-1" })],
    ["GetEvents", (cl) => cl.getEvents({ taskId: "t-1" })],
    ["StreamLogs", (cl) => cl.streamLogs({ taskId: "t-1" })[Symbol.asyncIterator]().next()],
    ["Watch", (cl) => cl.watch({})[Symbol.asyncIterator]().next()],
  ];
  it("every SchedulerService RPC refuses a missing, unknown or expired token with UNAUTHENTICATED; health stays open", async () => {
    for (const [rpc, call] of rpcs) {
      for (const t of [undefined, "not-a-token-we-know", T.old]) {
        await expect(call(as(t)), `${rpc} with ${t === undefined ? "no token" : t === T.old ? "an expired token" : "an unknown token"}`).rejects.toMatchObject({
          code: Code.Unauthenticated,
        });
      }
    }
    const health = createClient(Health, createGrpcTransport({ baseUrl: c.scheduler.url }));
    expect((await health.check({ service: "" })).status).toBe(1); // SERVING
  });

  it("the HTTP/1.1 port refuses them too (401), and answers with a token", async () => {
    const list = (headers: Record<string, string>) =>
      fetch(`${c.scheduler.httpUrl}/trainyard.v1.SchedulerService/List`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
    const refused = await list({});
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: "unauthenticated" });
    expect((await list({ authorization: `Bearer ${T.carol}` })).status).toBe(200);
  });

  it("the HTTP/1.1 port answers 421 to a Host it does not serve (DNS rebinding), token or not", async () => {
    const port = new URL(c.scheduler.httpUrl!).port;
    const { stdout } = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", `Host: evil.example:${port}`, "-H", `authorization: Bearer ${T.ops}`, "-H", "content-type: application/json", "-d", "{}", `${c.scheduler.httpUrl}/trainyard.v1.SchedulerService/List`]);
    expect(stdout).toBe("421");
  });
});

describe("roles and namespaces", () => {
  it("each role can do exactly its list; another namespace sees nothing of the first", async () => {
    const alice = as(T.alice);
    const { task } = await alice.submit(run1);
    expect(task).toMatchObject({ namespace: "team-a", createdBy: "alice" });
    await c.waitForState(task!.id, TaskState.SUCCEEDED);
    expect(text(await readLog(alice, task!.id), LogStream.STDOUT)).toBe(`hello from ${task!.id}\n`);

    const carol = as(T.carol); // viewer, team-a
    expect((await carol.get({ taskId: task!.id })).task!.id).toBe(task!.id);
    expect(text(await readLog(carol, task!.id), LogStream.STDOUT)).toContain("hello");
    await expect(carol.submit(run1)).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(carol.cancel({ taskId: task!.id })).rejects.toMatchObject({ code: Code.PermissionDenied });

    const bob = as(T.bob); // submitter, team-b
    for (const [rpc, call] of [
      ["Get", () => bob.get({ taskId: task!.id })],
      ["GetEvents", () => bob.getEvents({ taskId: task!.id })],
      ["Cancel", () => bob.cancel({ taskId: task!.id })],
      ["StreamLogs", () => readLog(bob, task!.id)],
      ["Watch", () => bob.watch({ taskId: task!.id })[Symbol.asyncIterator]().next()],
    ] as const) {
      await expect(call(), rpc).rejects.toMatchObject({ code: Code.NotFound });
    }
    expect((await bob.list({})).tasks).toEqual([]);
    await expect(bob.list({ namespace: "team-a" })).rejects.toMatchObject({ code: Code.PermissionDenied });

    const ops = as(T.ops);
    expect((await ops.list({ namespace: "team-a" })).tasks.map((t) => t.id)).toContain(task!.id);
    const { events } = await ops.getEvents({ taskId: task!.id });
    expect(events[0]).toMatchObject({ type: "submitted", principal: "alice" });
  });

  it("a task cannot mount another namespace's volume", async () => {
    const vol = `trainyard-test-auth-${randomBytes(4).toString("hex")}`;
    volumes.add(vol);
    const mounts = [{ type: "volume" as const, source: vol, target: "/v" }];
    const a = (await as(T.alice).submit(spec({ command: sh("echo secret > /v/x"), mounts }))).task!;
    await c.waitForState(a.id, TaskState.SUCCEEDED);
    const b = (await as(T.bob).submit(spec({ command: sh("cat /v/x"), mounts }))).task!;
    const done = await c.waitForState(b.id, TaskState.FAILED);
    expect(done.failureReason).toBe(FailureReason.CONTAINER_ERROR);
    expect(done.message).toContain(`volume ${vol} belongs to another namespace`);
  });
});

describe("the agent's port", () => {
  it("wants an admin token", async () => {
    const agent = (t?: string) => createAgentClient({ baseUrl: c.agents[0]!.url, ...(t ? { token: t } : {}) });
    await expect(agent().getNode({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    await expect(agent(T.alice).getNode({})).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(agent(T.carol).drain({})).rejects.toMatchObject({ code: Code.PermissionDenied });
    expect((await agent(T.ops).getNode({})).node!.id).toBe(c.agents[0]!.nodeId);
  });
});

describe("clients", () => {
  it("the CLI sends --token or TRAINYARD_TOKEN", async () => {
    const cli = (args: string[], extra: Record<string, string> = {}) =>
      run(process.execPath, ["clients/ts/dist/cli/main.js", ...args], { env: { ...process.env, TRAINYARD_ADDR: c.scheduler.url, ...extra } }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    expect((await cli(["list"])).stderr).toContain("UNAUTHENTICATED");
    expect((await cli(["list", "--token", T.alice])).code).toBe(0);
    expect((await cli(["list"], { TRAINYARD_TOKEN: T.alice })).code).toBe(0);
  });

  it("the Python client sends Client(token=...) or TRAINYARD_TOKEN", async () => {
    const py = (code: string, extra: Record<string, string> = {}) =>
      run("/usr/bin/python3", ["-c", code], { env: { ...process.env, PYTHONPATH: "clients/python/src", TRAINYARD_ADDR: new URL(c.scheduler.url).host, ...extra } });
    const listed = `from trainyard_client import Client\nwith Client(TOKEN) as c: print(len(list(c.list())))`;
    expect((await py(listed.replace("TOKEN", `token=${JSON.stringify(T.bob)}`))).stdout.trim()).toMatch(/^\d+$/);
    expect((await py(listed.replace("TOKEN", ""), { TRAINYARD_TOKEN: T.bob })).stdout.trim()).toMatch(/^\d+$/);
    await expect(py(listed.replace("TOKEN", ""))).rejects.toMatchObject({ stderr: expect.stringContaining("UNAUTHENTICATED") });
  });
});

describe("a scheduler process", () => {
  it("does not start beyond loopback without an auth file, saying why", async () => {
    const p = startService("scheduler", "auth-exposed", { TRAINYARD_NATS_URL: c.nats.url, TRAINYARD_GRPC_ADDR: "0.0.0.0:0" });
    expect(await p.exited).toBe("1");
    expect(p.output().join("\n")).toContain("refusing to listen on 0.0.0.0:0 without TRAINYARD_AUTH_FILE");
  });

  it("re-reads the auth file on SIGHUP: a token added works, a bad file keeps the tokens in use", async () => {
    const file = path.join(dir, "reload.yaml");
    writeFileSync(file, tokens());
    const port = await freePort();
    const p = startService("scheduler", "auth-reload", { TRAINYARD_NATS_URL: c.nats.url, TRAINYARD_GRPC_ADDR: `127.0.0.1:${port}`, TRAINYARD_AUTH_FILE: file });
    try {
      await waitForLine(p, "scheduler serving");
      const late = createTrainyardClient({ baseUrl: `http://127.0.0.1:${port}`, token: T.late });
      await expect(late.list({})).rejects.toMatchObject({ code: Code.Unauthenticated });
      writeFileSync(file, tokens(`  - { name: late, token: "${T.late}", role: viewer, namespace: team-a }\n`));
      p.kill("SIGHUP");
      await waitForLine(p, "auth file re-read");
      expect((await late.list({})).tasks).toBeDefined();
      writeFileSync(file, "tokens: [ not yaml");
      p.kill("SIGHUP");
      await waitForLine(p, "auth file not re-read");
      expect((await late.list({})).tasks).toBeDefined();
    } finally {
      p.kill("SIGTERM");
      await p.exited;
    }
  });
});
