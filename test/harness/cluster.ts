// A whole Trainyard for one test suite: a private nats-server, a scheduler and agents running
// in this process on random ports, a real Docker Engine, and a typed client.
// Each agent has a unique node id, so "no container left behind" checks see only this suite.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino, type Logger } from "pino";
import { afterAll, beforeAll } from "vitest";
import { createAgentClient, createTrainyardClient, TaskState, type ClientTls, type Task, type TrainyardClient } from "@trainyard/client";
import { startAgent, loadAgentConfig, type Agent } from "@trainyard/agent";
import { startScheduler, loadSchedulerConfig, type Scheduler } from "@trainyard/scheduler";
import { dockerAvailable, listContainers, removeContainers } from "./docker.js";
import { startNats, type NatsServer } from "./nats.js";

export interface AgentOptions {
  id?: string;
  slots?: number;
  pools?: string[];
  env?: Record<string, string>;
}

export interface TestCluster {
  nats: NatsServer;
  scheduler: Scheduler;
  agents: Agent[];
  client: TrainyardClient;
  /** Log directory root of this cluster's agents. */
  logDir: string;
  startAgent(o?: AgentOptions): Promise<Agent>;
  /** Another scheduler; on a random port unless `address` ("127.0.0.1:PORT", e.g. a stopped one's) is given. */
  /** A scheduler on `address` (gRPC) and `httpAddress` (HTTP/1.1); port 0 (the default) picks free ports. */
  startScheduler(address?: string, httpAddress?: string): Promise<Scheduler>;
  /** Polls Get until `done(task)` holds; throws with the last state after `timeoutMs`. */
  waitFor(taskId: string, done: (t: Task) => boolean, timeoutMs?: number): Promise<Task>;
  waitForState(taskId: string, state: TaskState, timeoutMs?: number): Promise<Task>;
  /** Container ids (any state) of this cluster's agents. */
  containers(): Promise<string[]>;
  stop(): Promise<void>;
}

export const FINAL = new Set([TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED]);

export interface ClusterOptions {
  agents?: AgentOptions[];
  schedulerEnv?: Record<string, string>;
  /** Listen address of the first scheduler (default "127.0.0.1:0": a random port). */
  schedulerAddress?: string;
  /** The first scheduler's HTTP/1.1 address (fixed, for restarts on the same ports). */
  schedulerHttpAddress?: string;
  /** The token `client` (and so waitFor) sends, for a cluster with an auth file. */
  token?: string;
  /** The TLS settings `client` uses, for a cluster serving TLS. */
  clientTls?: ClientTls;
  /** Extra nats-server arguments (e.g. ["-c", conf] for users and permissions). */
  natsArgs?: string[];
}

export async function startCluster(name: string, o: ClusterOptions = {}): Promise<TestCluster> {
  await dockerAvailable();
  const nats = await startNats(o.natsArgs ? { extraArgs: o.natsArgs } : {});
  const logger = testLogger(name);
  const suffix = randomBytes(4).toString("hex");
  const logDir = mkdtempSync(path.join(os.tmpdir(), `trainyard-${name}-`));
  // Metrics on free ports: every scheduler and agent of every suite has its own /metrics.
  const env = { TRAINYARD_NATS_URL: nats.url, TRAINYARD_METRICS_ADDR: "127.0.0.1:0", TRAINYARD_AGENT_METRICS_ADDR: "127.0.0.1:0", TRAINYARD_HTTP_ADDR: "127.0.0.1:0" };
  const schedulers: Scheduler[] = [];
  const agents: Agent[] = [];
  const nodeIds: string[] = [];

  const cluster: TestCluster = {
    nats,
    scheduler: undefined as unknown as Scheduler,
    agents,
    client: undefined as unknown as TrainyardClient,
    logDir,
    async startScheduler(address = "127.0.0.1:0", httpAddress = "127.0.0.1:0") {
      const s = await startScheduler(
        loadSchedulerConfig({ ...env, TRAINYARD_GRPC_ADDR: address, TRAINYARD_HTTP_ADDR: httpAddress, ...o.schedulerEnv }),
        logger.child({ svc: "scheduler" }),
      );
      schedulers.push(s);
      return s;
    },
    async startAgent(a: AgentOptions = {}) {
      const id = a.id ?? `${name}-${suffix}-${agents.length + 1}`;
      nodeIds.push(id);
      const dir = path.join(logDir, id);
      mkdirSync(dir, { recursive: true });
      const agent = await startAgent(
        loadAgentConfig({
          ...env,
          TRAINYARD_AGENT_ID: id,
          TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0",
          TRAINYARD_AGENT_SLOTS: String(a.slots ?? 2),
          TRAINYARD_POOLS: (a.pools ?? ["default"]).join(","),
          TRAINYARD_LOG_DIR: dir,
          ...a.env,
        }),
        logger.child({ svc: "agent" }),
      );
      agents.push(agent);
      return agent;
    },
    async waitFor(taskId, done, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last: Task | undefined;
      while (Date.now() < deadline) {
        last = (await cluster.client.get({ taskId })).task;
        if (last && done(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`task ${taskId} not there after ${timeoutMs}ms; last: state ${last?.state} ${last?.message}`);
    },
    waitForState(taskId, state, timeoutMs) {
      return cluster.waitFor(taskId, (t) => t.state === state || (FINAL.has(t.state) && FINAL.has(state)), timeoutMs).then((t) => {
        if (t.state !== state) throw new Error(`task ${taskId} ended ${TaskState[t.state]} (${t.message}), expected ${TaskState[state]}`);
        return t;
      });
    },
    async containers() {
      const ids = await Promise.all(nodeIds.map((n) => listContainers(`trainyard.node=${n}`)));
      return ids.flat();
    },
    async stop() {
      await Promise.allSettled(agents.map((a) => a.close()));
      await Promise.allSettled(schedulers.map((s) => s.close()));
      await nats.stop();
      // Agents leave running containers to their next start; this suite's agents have none.
      await Promise.allSettled(nodeIds.map((n) => removeContainers(`trainyard.node=${n}`)));
    },
  };
  cluster.scheduler = await cluster.startScheduler(o.schedulerAddress, o.schedulerHttpAddress);
  cluster.client = createTrainyardClient({ baseUrl: cluster.scheduler.url, ...(o.token ? { token: o.token } : {}), ...(o.clientTls ? { tls: o.clientTls } : {}) });
  for (const a of o.agents ?? [{}]) await cluster.startAgent(a);
  return cluster;
}

/** A cluster for a whole suite: started before its tests (handed to `use`), stopped after them. */
export function clusterForSuite(name: string, o: ClusterOptions, use: (c: TestCluster) => void): void {
  let c: TestCluster | undefined;
  beforeAll(async () => use((c = await startCluster(name, o))));
  afterAll(() => c?.stop());
}

export { createAgentClient };

/** Service logs of a suite go to $TMPDIR/trainyard-tests/<name>.log (TRAINYARD_TEST_LOG=stderr to see them live). */
function testLogger(name: string): Logger {
  if (process.env.TRAINYARD_TEST_LOG === "stderr") return pino({ level: "debug" }, pino.destination(2));
  const dir = path.join(os.tmpdir(), "trainyard-tests");
  mkdirSync(dir, { recursive: true });
  return pino({ level: "debug", base: { suite: name } }, pino.destination({ dest: path.join(dir, `${name}.log`), sync: false, mkdir: true }));
}

/** A TCP port that was free a moment ago (for a scheduler that must come back on the same port). */
export { freePort } from "./nats.js";
