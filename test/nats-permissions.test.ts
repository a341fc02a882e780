// NATS is not a back door: nats-server runs with the configuration `npm run nats-conf` writes
// (nkey users, subject permissions, TLS with client certificates required), the scheduler and a
// real agent connect with their own seeds, and a task runs end to end with no permission
// violation. Then, holding the credentials of another agent (agent 1, which serves nothing),
// each forgery the design names is refused by NATS itself, and what NATS must let an agent do
// (publish its own events and frames) changes nothing about a task another agent holds.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { connect, nkeyAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogStream, TaskState } from "@trainyard/client";
import { agentInbox, attemptLogSubject, claimKey, eventSubject, frameHeaders, schedulerLogSubject, STREAM } from "@trainyard/common";
import { makeCerts } from "../packages/common/test/grpc/certs.js";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

const certs = makeCerts();
const dir = mkdtempSync(path.join(os.tmpdir(), "trainyard-nats-conf-"));
const suffix = `${process.pid}${Date.now().toString(36)}`;
const forger = `perm-${suffix}-1`;
const runner = `perm-${suffix}-2`;
execFileSync(process.execPath, [
  "packages/common/dist/nats/conf/main.js",
  ...["--out", dir, "--agent", forger, "--agent", runner],
  ...["--tls-cert", certs.serverCert, "--tls-key", certs.serverKey, "--tls-ca", certs.ca, "--tls-verify"],
]);
const tls = { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey };
const tlsEnv = { TRAINYARD_NATS_TLS_CA: certs.ca, TRAINYARD_NATS_TLS_CERT: certs.clientCert, TRAINYARD_NATS_TLS_KEY: certs.clientKey };
const seed = (user: string) => path.join(dir, `${user}.nk`);

let c: TestCluster;
clusterForSuite(
  "nats-perms",
  {
    natsArgs: ["-c", path.join(dir, "nats-server.conf")],
    schedulerEnv: { ...tlsEnv, TRAINYARD_NATS_NKEY_FILE: seed("scheduler") },
    agents: [{ id: runner, env: { ...tlsEnv, TRAINYARD_NATS_NKEY_FILE: seed(`agent-${runner}`) } }],
  },
  (x) => (c = x),
);

/** A connection as `user` (its seed), over TLS with the client certificate. */
function connectAs(user: string, inbox = "_INBOX"): Promise<NatsConnection> {
  const authenticator = nkeyAuthenticator(new TextEncoder().encode(readFileSync(seed(user), "utf8").trim()));
  return connect({ servers: c.nats.url, authenticator, tls, inboxPrefix: inbox });
}

let asForger: NatsConnection;
beforeAll(async () => {
  asForger = await connectAs(`agent-${forger}`, agentInbox(forger));
});
afterAll(() => asForger?.close());

const violations = () => readFileSync(c.nats.logFile, "utf8").split("\n").filter((l) => / - (Publish|Subscription) Violation - /.test(l));
const refused = (p: Promise<unknown>) => p.then(() => "allowed", (err: unknown) => String(err));

describe("with the generated configuration", () => {
  it("a task runs end to end, with its log, and nothing either service does is refused", async () => {
    // Checkpointed: the first attempt saves, the second restores (object store reads and writes).
    const cmd = sh("mkdir -p /c; cat /c/n 2>/dev/null; echo hello; echo x > /c/n; echo oops >&2; exit 3");
    const { task } = await c.client.submit(spec({ command: cmd, maxRetries: 1, checkpoint: { path: "/c" } }));
    const done = await c.waitForState(task!.id, TaskState.FAILED);
    expect(done.attempts).toHaveLength(2);
    expect(text(await readLog(c.client, task!.id), LogStream.STDOUT)).toBe("hello\nx\nhello\n");
    expect(done.lastCheckpoint?.attempt).toBe(2);
    let archive = 0;
    for await (const piece of c.client.checkpointArchive(task!.id)) archive += piece.length;
    expect(archive).toBeGreaterThan(0);
    // Placement's own writes: a drain through the scheduler and its undo, and a node listed.
    const node = c.agents[0]!.nodeId;
    expect((await c.client.drainNode({ nodeId: node })).node!.draining).toBe(true);
    expect((await c.client.drainNode({ nodeId: node, undo: true })).node!.draining).toBe(false);
    expect((await c.client.listNodes({})).nodes.map((n) => n.id)).toContain(node);
    expect(violations()).toEqual([]);
  });

  it("an agent restarted mid-task re-attaches (reading its heartbeat and its log's end), and a cancel stops the task, with nothing refused", async () => {
    const { task } = await c.client.submit(spec({ command: sh("echo before; sleep 600") }));
    const id = task!.id;
    await c.waitFor(id, (t) => t.attempts[0]?.containerId !== "");
    await c.agents[0]!.close();
    c.agents[0] = await c.startAgent({ id: runner, env: { ...tlsEnv, TRAINYARD_NATS_NKEY_FILE: seed(`agent-${runner}`) } });
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      if ((await c.client.getEvents({ taskId: id })).events.some((e) => /re-attached/.test(e.message))) break;
    }
    expect((await c.client.getEvents({ taskId: id })).events.map((e) => e.message)).toContainEqual(expect.stringMatching(/re-attached/));
    await c.client.cancel({ taskId: id, reason: "done here" });
    await c.waitForState(id, TaskState.CANCELLED);
    expect(text(await readLog(c.client, id), LogStream.STDOUT)).toBe("before\n");
    expect(violations()).toEqual([]);
  });

  it("a client without a certificate, or with one but no user, cannot connect", async () => {
    const authenticator = nkeyAuthenticator(new TextEncoder().encode(readFileSync(seed("scheduler"), "utf8").trim()));
    expect(await refused(connect({ servers: c.nats.url, authenticator, tls: { caFile: certs.ca }, reconnect: false }))).not.toBe("allowed");
    expect(await refused(connect({ servers: c.nats.url, tls, reconnect: false }))).toMatch(/Authorization/i);
  });
});

describe("an agent's credentials", () => {
  const before = () => violations().length;

  it("cannot dispatch, write a task record or a lease, change or delete a stream, create or delete a consumer, or publish or claim as another node or the scheduler", async () => {
    const js = jetstream(asForger, { timeout: 2_000 });
    const jsm = await jetstreamManager(asForger, { checkAPI: false, timeout: 2_000 });
    const tasks = await new Kvm(js).open("tasks", { allow_direct: false });
    const claims = await new Kvm(js).open("claims", { allow_direct: false });
    const n = before();
    const attempts = {
      dispatch: refused(js.publish("trainyard.dispatch.default", JSON.stringify({ taskId: "t-x", attempt: 1 }))),
      "task record": refused(tasks.put("t-x", "{}")),
      "delete LOGS": refused(jsm.streams.delete(STREAM.logs)),
      "update LOGS": refused(jsm.streams.update(STREAM.logs, { max_bytes: 1 })),
      "another node's event": refused(js.publish(eventSubject("t-x", runner), "{}")),
      "another node's frame": refused(js.publish(attemptLogSubject("t-x", 1, runner), "x")),
      "the scheduler's lines": refused(js.publish(schedulerLogSubject("t-x"), "x")),
      "another node's claim": refused(claims.create(claimKey("t-x", 1, runner), runner)),
      "deleting another node's claim": refused(claims.delete(claimKey("t-x", 1, runner))),
      "a claim from before per-node claims": refused(claims.create("t-x.1", forger)),
      "another node's heartbeat": refused(js.publish(`$KV.nodes.${runner}`, "{}")),
      "the placer lease": refused(js.publish("$KV.leases.placer", "{}")),
      // A push consumer would make the server deliver onto subjects the agent may not publish to.
      "a consumer on the tasks bucket": refused(jsm.consumers.add("KV_tasks", { deliver_subject: schedulerLogSubject("t-x"), ack_policy: AckPolicy.None })),
      "a consumer on the dispatch queue": refused(jsm.consumers.add(STREAM.dispatch, { durable_name: "pool-default", filter_subject: "trainyard.dispatch.default", deliver_subject: "x" })),
      "deleting a pool's consumer": refused(jsm.consumers.delete(STREAM.dispatch, "pool-default")),
    };
    for (const [what, outcome] of Object.entries(attempts)) expect(await outcome, what).not.toBe("allowed");
    await new Promise((r) => setTimeout(r, 500));
    expect(violations().length - n).toBeGreaterThanOrEqual(Object.keys(attempts).length);
  });

  it("cannot read another client's replies or the bus's subjects", async () => {
    const n = before();
    for (const subject of ["_INBOX_scheduler.>", `${agentInbox(runner)}.>`, "trainyard.>", "$KV.tasks.>"]) asForger.subscribe(subject);
    await asForger.flush();
    await new Promise((r) => setTimeout(r, 500));
    expect(violations().length - n).toBe(4);
  });

  it("reports for its own node only: a finished event or frames for an attempt another agent holds change nothing", async () => {
    const { task } = await c.client.submit(spec({ command: sh("echo real; sleep 2; echo done") }));
    const id = task!.id;
    await c.waitFor(id, (t) => t.state === TaskState.RUNNING && t.attempts[0]?.nodeId === runner);
    const js = jetstream(asForger);
    const outcome = { exitCode: 0, end: { kind: "exited", exitCode: 0, oomKilled: false } };
    const time = Date.now();
    // On its own subject: allowed by NATS, ignored by the scheduler (the attempt is the runner's).
    await js.publish(eventSubject(id, forger), JSON.stringify({ type: "finished", taskId: id, attempt: 1, nodeId: forger, outcome, time }));
    // Naming the runner in the body of an event on its own subject: dropped.
    await js.publish(eventSubject(id, forger), JSON.stringify({ type: "finished", taskId: id, attempt: 1, nodeId: runner, outcome, time }));
    await js.publish(attemptLogSubject(id, 1, forger), "forged line\n", { headers: frameHeaders(1, "stdout", time) });
    // Its own five-token subject dressed as the scheduler's (".s"), with a fence: still its own.
    await js.publish(`trainyard.logs.${id}.s.${forger}`, "forged system line\n", { headers: frameHeaders(1, "system", time, undefined, true) });
    await new Promise((r) => setTimeout(r, 500));
    expect((await c.client.get({ taskId: id })).task!.state).toBe(TaskState.RUNNING);

    const done = await c.waitForState(id, TaskState.SUCCEEDED);
    expect(done.attempts[0]!.nodeId).toBe(runner);
    const log = await readLog(c.client, id);
    expect(text(log, LogStream.STDOUT)).toBe("real\ndone\n");
    expect(text(log, LogStream.SYSTEM)).not.toContain("forged");
  });
});
