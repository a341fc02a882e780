// TLS and mTLS on real ports, NATS and Docker, with a CA made by openssl for the test: a task runs
// end to end over mTLS; the TS client, @grpc/grpc-js, the CLI, buf curl and Python grpcio connect with
// the CA and a client certificate; without the CA (an unknown issuer) or, under mTLS, without a
// client certificate, they cannot; the HTTP/1.1 port serves HTTPS; the agent's port is mTLS too.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { createAgentClient, createTrainyardClient, LogStream, SchedulerService, TaskState, type ClientTls } from "@trainyard/client";
import { loadSchedulerConfig, startScheduler, type Scheduler } from "@trainyard/scheduler";
import { grpcJsClient } from "../packages/common/test/grpc/grpc-js-client.js";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";
import { makeCerts } from "../packages/common/test/grpc/certs.js";
import { startProxy } from "./harness/proxy.js";

const run = promisify(execFile);
const certs = makeCerts();
const serverEnv = { TRAINYARD_TLS_CERT: certs.serverCert, TRAINYARD_TLS_KEY: certs.serverKey, TRAINYARD_TLS_CLIENT_CA: certs.ca };
const mtls: ClientTls = { ca: certs.read(certs.ca), cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) };
const clientEnv = { TRAINYARD_TLS_CA: certs.ca, TRAINYARD_TLS_CLIENT_CERT: certs.clientCert, TRAINYARD_TLS_CLIENT_KEY: certs.clientKey };

let c: TestCluster;
clusterForSuite("tls", { schedulerEnv: serverEnv, agents: [{ env: serverEnv }], clientTls: mtls }, (x) => (c = x));

/** A second scheduler on the cluster's NATS: TLS without client certificates. */
let plainTls: Scheduler;
beforeAll(async () => {
  plainTls = await startScheduler(
    loadSchedulerConfig({ TRAINYARD_NATS_URL: c.nats.url, TRAINYARD_GRPC_ADDR: "127.0.0.1:0", TRAINYARD_HTTP_ADDR: "", TRAINYARD_METRICS_ADDR: "", TRAINYARD_TLS_CERT: certs.serverCert, TRAINYARD_TLS_KEY: certs.serverKey }),
    pino({ level: "silent" }),
  );
});
afterAll(() => plainTls?.close());

const fails = async (p: Promise<unknown>) => expect(await p.then(() => "connected", () => "refused")).toBe("refused");

describe("mTLS", () => {
  it("runs a task end to end, and its log streams, over mTLS", async () => {
    expect(c.scheduler.url).toMatch(/^https:\/\//);
    const { task } = await c.client.submit(spec({ command: sh("echo over tls") }));
    await c.waitForState(task!.id, TaskState.SUCCEEDED);
    expect(text(await readLog(c.client, task!.id), LogStream.STDOUT)).toBe("over tls\n");
  });

  it("refuses a client without a certificate, or one that does not know the CA", async () => {
    await fails(createTrainyardClient({ baseUrl: c.scheduler.url, tls: { ca: mtls.ca } }).list({}));
    await fails(createTrainyardClient({ baseUrl: c.scheduler.url, tls: { cert: mtls.cert, key: mtls.key } }).list({}));
  });

  it("@grpc/grpc-js connects with the CA and a client certificate", async () => {
    const creds = grpc.credentials.createSsl(mtls.ca as Buffer, mtls.key as Buffer, mtls.cert as Buffer);
    const js = grpcJsClient(SchedulerService, c.scheduler.url, {}, creds);
    try {
      const listed = await new Promise<{ tasks: unknown[] }>((resolve, reject) => js.list!({}, (e: Error | null, r: { tasks: unknown[] }) => (e ? reject(e) : resolve(r))));
      expect(listed.tasks.length).toBeGreaterThan(0);
    } finally {
      js.close();
    }
  });

  it("the CLI connects with TRAINYARD_TLS_CA and the client certificate, and not without", async () => {
    const cli = (extra: Record<string, string>) =>
      run(process.execPath, ["clients/ts/dist/cli/main.js", "list"], { env: { ...process.env, TRAINYARD_ADDR: c.scheduler.url, ...extra } }).then(
        () => 0,
        (e: { code: number }) => e.code,
      );
    expect(await cli(clientEnv)).toBe(0);
    expect(await cli({ TRAINYARD_TLS_CA: certs.ca })).toBe(1);
  });

  it("the Python client connects with Client(ca=, client_cert=, client_key=) or the same variables", async () => {
    const py = (code: string, extra: Record<string, string> = {}) =>
      run("/usr/bin/python3", ["-c", code], { env: { ...process.env, PYTHONPATH: "clients/python/src", TRAINYARD_ADDR: c.scheduler.url, ...extra } });
    const args = `ca=open(${JSON.stringify(certs.ca)},"rb").read(), client_cert=open(${JSON.stringify(certs.clientCert)},"rb").read(), client_key=open(${JSON.stringify(certs.clientKey)},"rb").read()`;
    const list = (a: string) => `from trainyard_client import Client\nwith Client(${a}) as c: print(len(list(c.list())))`;
    expect((await py(list(args))).stdout.trim()).toMatch(/^\d+$/);
    expect((await py(list(""), clientEnv)).stdout.trim()).toMatch(/^\d+$/);
    await expect(py(list(""), { TRAINYARD_TLS_CA: certs.ca })).rejects.toMatchObject({ stderr: expect.stringContaining("UNAVAILABLE") });
    // A handshake slower than 100 ms (a loaded machine) once failed: the client set gRPC core's
    // minimum connect timeout to 100 ms.
    const slow = await startProxy({ host: "127.0.0.1", port: Number(new URL(c.scheduler.url).port) }, { delayMs: 500 });
    try {
      expect((await py(list(""), { ...clientEnv, TRAINYARD_ADDR: slow.url("https") })).stdout.trim()).toMatch(/^\d+$/);
    } finally {
      await slow.close();
    }
  });

  it("buf curl calls List over mTLS with the schema from reflection, and not without a client certificate", async () => {
    const bufCurl = (...extra: string[]) =>
      run("node_modules/.bin/buf", ["curl", "--protocol", "grpc", "--cacert", certs.ca, ...extra, "-d", "{}", `${c.scheduler.url}/trainyard.v1.SchedulerService/List`]);
    const { stdout } = await bufCurl("--cert", certs.clientCert, "--key", certs.clientKey);
    expect((JSON.parse(stdout) as { tasks: unknown[] }).tasks.length).toBeGreaterThan(0);
    await expect(bufCurl()).rejects.toBeTruthy();
  });

  it("the HTTP/1.1 port serves HTTPS with client certificates", async () => {
    expect(c.scheduler.httpUrl).toMatch(/^https:\/\//);
    const curl = (...extra: string[]) =>
      run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", certs.ca, ...extra, "-H", "content-type: application/json", "-d", "{}", `${c.scheduler.httpUrl}/trainyard.v1.SchedulerService/List`]).then(
        (r) => r.stdout,
        () => "refused",
      );
    expect(await curl("--cert", certs.clientCert, "--key", certs.clientKey)).toBe("200");
    expect(await curl()).not.toBe("200");
  });

  it("the agent's port is mTLS too", async () => {
    const agent = (tls: ClientTls) => createAgentClient({ baseUrl: c.agents[0]!.url, tls });
    expect(c.agents[0]!.url).toMatch(/^https:\/\//);
    expect((await agent(mtls).getNode({})).node!.id).toBe(c.agents[0]!.nodeId);
    await fails(agent({ ca: mtls.ca }).getNode({}));
  });
});

describe("TLS without client certificates", () => {
  it("serves a client that knows the CA; one that does not (an unknown issuer) cannot connect", async () => {
    expect(plainTls.url).toMatch(/^https:\/\//);
    expect((await createTrainyardClient({ baseUrl: plainTls.url, tls: { ca: mtls.ca } }).list({})).tasks.length).toBeGreaterThan(0);
    await fails(createTrainyardClient({ baseUrl: plainTls.url }).list({}));
  });
});
