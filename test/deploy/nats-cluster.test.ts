// docker-compose.cluster.yml, run here without Docker: its nats-config service writes the NATS
// configuration (users, permissions, authenticated routes: host names mapped to free loopback
// ports), its three NATS servers are started from the file's own nats-server arguments (ports
// mapped likewise, the store to a temp dir), and a scheduler and an agent with the file's
// environment (NATS URL and seed files mapped) run real tasks on them. Checks that the servers form one JetStream cluster
// (their /healthz, the compose healthcheck, answers 200), that Trainyard's streams and buckets
// are created with 3 replicas, and that a task still runs with one NATS server killed.
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { Code, ConnectError } from "@connectrpc/connect";
import { createTrainyardClient, TaskState, type SchedulerClient } from "@trainyard/client";
import { loadAgentConfig, startAgent, type Agent } from "@trainyard/agent";
import { BUCKET, connectNats, envNats, silentLogger, STREAM } from "@trainyard/common";
import { loadSchedulerConfig, startScheduler, type Scheduler } from "@trainyard/scheduler";
import { dockerAvailable, removeContainers } from "../harness/docker.js";
import { freePort, startNats, type NatsServer } from "../harness/nats.js";
import { readLog, sh, spec, text } from "../harness/tasks.js";
import { argv, CONF_DIR, environmentWith, generateNatsConf, kind, load, type Service } from "./compose-file.js";

const compose = load("docker-compose.cluster.yml");
const natsServices = Object.entries(compose.services).filter(([, s]) => kind(s) === "nats");
const serviceOf = (k: "scheduler" | "agent"): Service => Object.values(compose.services).find((s) => kind(s) === k)!;

interface Local {
  name: string;
  client: number;
  cluster: number;
  monitor: number;
  server?: NatsServer;
}
let locals: Local[] = [];
let scheduler: Scheduler | undefined;
let agent: Agent | undefined;
let client: SchedulerClient;
/** The generated NATS configuration and seeds (the nats-conf volume). */
let conf: string;
const agentId = `nats-cluster-${process.pid}-${Date.now().toString(36)}`;

/**
 * The nats-config service's arguments with its routes' host names mapped to this host's ports,
 * and this test's agent id for the compose file's.
 */
function localConfArgs(args: string[]): string[] {
  const byName = new Map(locals.map((l) => [l.name, l]));
  const mapRoute = (r: string) => {
    const target = byName.get(r.split(":")[0]!);
    if (!target) throw new Error(`route to an unknown host ${r}`);
    return `127.0.0.1:${target.cluster}`;
  };
  return args.map((a, i) => (args[i - 1] === "--routes" ? a.split(",").map(mapRoute).join(",") : args[i - 1] === "--agent" ? agentId : a));
}

/** The compose file's nats-server arguments with the configuration, ports and cluster listener mapped to this host's. */
function localArgs(s: Service, self: Local, conf: string): string[] {
  const args = argv(s).slice(argv(s)[0] === "nats-server" ? 1 : 0);
  // The file's listener is 0.0.0.0:6222 in each container. A --cluster flag replaces the file's
  // route credentials too (nats-server clears them when the URL has none): give them back.
  const password = encodeURIComponent(readFileSync(path.join(conf, "route.password"), "utf8").trim());
  const out = ["--cluster", `nats://route:${password}@127.0.0.1:${self.cluster}`];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-sd" || a === "--store_dir") i++; // startNats gives each its own store
    else if (a === "-m" || a === "--http_port") out.push(a, String(self.monitor)), i++;
    else if (a === "-c" || a === "--config") out.push(a, args[++i]!.replace(CONF_DIR, conf));
    else out.push(a);
  }
  return out;
}

async function healthz(l: Local): Promise<number> {
  return fetch(`http://127.0.0.1:${l.monitor}/healthz`).then(
    (r) => r.status,
    () => 0,
  );
}

beforeAll(async () => {
  await dockerAvailable();
  locals = await Promise.all(natsServices.map(async ([name]) => ({ name, client: await freePort(), cluster: await freePort(), monitor: await freePort() })));
  conf = generateNatsConf(compose, localConfArgs);
  await Promise.all(
    natsServices.map(async ([, s], i) => {
      const self = locals[i]!;
      self.server = await startNats({ port: self.client, extraArgs: localArgs(s, self, conf), startTimeoutMs: 30_000 });
    }),
  );
  // What the compose healthchecks wait for: every server's /healthz answers 200.
  for (const l of locals) {
    const deadline = Date.now() + 30_000;
    while ((await healthz(l)) !== 200) {
      if (Date.now() > deadline) throw new Error(`${l.name}: /healthz not 200 within 30 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const natsUrl = locals.map((l) => `nats://127.0.0.1:${l.client}`).join(",");
  const dir = path.join(os.tmpdir(), "trainyard-tests");
  mkdirSync(dir, { recursive: true });
  const logger = pino({ level: "debug", base: { suite: "nats-cluster" } }, pino.destination({ dest: path.join(dir, "nats-cluster.log"), sync: false }));
  const local = { TRAINYARD_NATS_URL: natsUrl, TRAINYARD_METRICS_ADDR: "127.0.0.1:0", TRAINYARD_AGENT_METRICS_ADDR: "127.0.0.1:0" };
  scheduler = await startScheduler(
    loadSchedulerConfig({ ...environmentWith(serviceOf("scheduler"), conf), ...local, TRAINYARD_GRPC_ADDR: "127.0.0.1:0" }),
    logger.child({ svc: "scheduler" }),
  );
  agent = await startAgent(
    loadAgentConfig({
      ...environmentWith(serviceOf("agent"), conf),
      ...local,
      TRAINYARD_AGENT_ID: agentId,
      TRAINYARD_NATS_NKEY_FILE: path.join(conf, `agent-${agentId}.nk`),
      TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0",
      TRAINYARD_LOG_DIR: mkdtempSync(path.join(os.tmpdir(), "trainyard-nats-cluster-")),
    }),
    logger.child({ svc: "agent" }),
  );
  client = createTrainyardClient({ baseUrl: scheduler.url });
}, 120_000);

afterAll(async () => {
  await agent?.close();
  await scheduler?.close();
  await Promise.all(locals.map((l) => l.server?.stop()));
  await removeContainers(`trainyard.node=${agentId}`);
});

/** Calls `f` again on UNAVAILABLE (what clients do while NATS elects new leaders), for up to 30 s. */
async function retrying<T>(f: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (!(err instanceof ConnectError && err.code === Code.Unavailable) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function runToSuccess(line: string): Promise<void> {
  const idempotencyKey = `${agentId}-${line}`;
  const { task } = await retrying(() => client.submit(spec({ command: sh(`echo ${line}`), idempotencyKey })));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const t = (await retrying(() => client.get({ taskId: task!.id }))).task!;
    if (t.state === TaskState.SUCCEEDED) break;
    if (t.state === TaskState.FAILED || t.state === TaskState.CANCELLED || Date.now() > deadline) throw new Error(`task ended ${TaskState[t.state]}: ${t.message}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(text(await retrying(() => readLog(client, task!.id)))).toContain(`${line}\n`);
}

/** A connection to one server as the generated `admin` user (what an operator uses). */
const asAdmin = (l: Local) =>
  connectNats(envNats({ TRAINYARD_NATS_URL: `nats://127.0.0.1:${l.client}`, TRAINYARD_NATS_NKEY_FILE: path.join(conf, "admin.nk") }), "_INBOX", "cluster-check", silentLogger());

describe("docker-compose.cluster.yml's NATS cluster", () => {
  it("forms one JetStream cluster of three servers", async () => {
    const nc = await asAdmin(locals[0]!);
    try {
      const info = await (await jetstreamManager(nc)).getAccountInfo();
      expect(info.api).toBeDefined();
      const varz = (await (await fetch(`http://127.0.0.1:${locals[0]!.monitor}/varz`)).json()) as { cluster?: { name?: string }; jetstream?: { meta?: { cluster_size?: number } } };
      expect(varz.cluster?.name).toBe(/^cluster \{ name: "([^"]+)"/m.exec(readFileSync(path.join(conf, "nats-server.conf"), "utf8"))?.[1]);
      expect(varz.jetstream?.meta?.cluster_size).toBe(3);
    } finally {
      await nc.drain();
    }
  });

  it("runs a task, with every Trainyard stream and bucket replicated three times", async () => {
    await runToSuccess("replicated hello");
    const nc = await asAdmin(locals[1]!);
    try {
      const jsm = await jetstreamManager(nc);
      const names = [...Object.values(STREAM), ...Object.values(BUCKET).map((b) => `KV_${b}`)];
      for (const name of names) {
        const si = await jsm.streams.info(name);
        expect(si.config.num_replicas, name).toBe(3);
        expect(si.cluster?.replicas ?? [], name).toHaveLength(2);
      }
    } finally {
      await nc.drain();
    }
  });

  it("refuses a server that does not know the routes' password", async () => {
    const intruder = await startNats({ extraArgs: ["--cluster", `nats://127.0.0.1:${await freePort()}`, "--routes", `nats://127.0.0.1:${locals[0]!.cluster}`, "--cluster_name", "trainyard", "--server_name", "intruder"] });
    try {
      await new Promise((r) => setTimeout(r, 2_000));
      const routez = (await (await fetch(`http://127.0.0.1:${locals[0]!.monitor}/routez`)).json()) as { num_routes: number };
      expect(routez.num_routes).toBe(2);
    } finally {
      await intruder.stop();
    }
  });

  it("still runs tasks with one of the three servers killed", async () => {
    locals[1]!.server!.kill("SIGKILL");
    await runToSuccess("one server down");
  });
});
