// Prometheus metrics of a real cluster: a task that succeeds, one that fails with an exit code,
// one whose image cannot be pulled, a StreamLogs read, then both /metrics endpoints scraped
// over HTTP and every documented series checked for sensible values.
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream } from "@nats-io/jetstream";
import { Registry } from "prom-client";
import { TaskState } from "@trainyard/client";
import { connectNats, ensureInfrastructure, silentLogger, type TaskRecord } from "@trainyard/common";
import { loadSchedulerConfig } from "@trainyard/scheduler";
import { SchedulerMetrics } from "@trainyard/scheduler/metrics";
import { JetStreamSystemLog } from "@trainyard/scheduler/bus/system-log";
import { createApplier } from "@trainyard/scheduler/store/applier";
import { KvTaskStore } from "@trainyard/scheduler/store/task-store";
import { TaskView } from "@trainyard/scheduler/store/task-view";
import { taskSpec } from "../packages/common/test/fixtures.js";
import { startCluster, type TestCluster } from "./harness/cluster.js";
import { readLog, sh, spec } from "./harness/tasks.js";

const SLOTS = 3;
let c: TestCluster;
let scheduler: Scrape;
let agent: Scrape;
let deliveredBytes = 0;
let okTask = "";

beforeAll(async () => {
  c = await startCluster("metrics", { agents: [{ slots: SLOTS }] });
  const ok = (await c.client.submit(spec({ command: sh("echo hello; echo world >&2") }))).task!.id;
  const bad = (await c.client.submit(spec({ command: sh("echo oops; exit 3") }))).task!.id;
  const noImage = (await c.client.submit(spec({ image: "127.0.0.1:5999/trainyard/missing:1", command: ["true"], maxInfraRetries: 0 }))).task!.id;
  okTask = ok;
  await c.waitForState(ok, TaskState.SUCCEEDED);
  await c.waitForState(bad, TaskState.FAILED);
  await c.waitForState(noImage, TaskState.FAILED, 30_000);
  for (const f of await readLog(c.client, ok)) deliveredBytes += f.data.length;
  await c.client.get({ taskId: "t-doesnotexist" }).catch(() => {});
  scheduler = await scrape(c.scheduler.metricsUrl);
  agent = await scrape(c.agents[0]!.metricsUrl);
});
afterAll(() => c?.stop());

describe("scheduler /metrics", () => {
  it("is served on its own HTTP port, separate from gRPC", () => {
    expect(c.scheduler.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(c.scheduler.metricsUrl).not.toContain(`:${c.scheduler.port}/`);
  });

  it("counts tasks by state from its view", () => {
    expect(scheduler.value("trainyard_tasks", { state: "SUCCEEDED" })).toBe(1);
    expect(scheduler.value("trainyard_tasks", { state: "FAILED" })).toBe(2);
    expect(scheduler.value("trainyard_tasks", { state: "PENDING" })).toBe(0);
    expect(scheduler.value("trainyard_tasks", { state: "RUNNING" })).toBe(0);
  });

  it("counts each ended attempt once, by outcome and failure reason", () => {
    expect(scheduler.value("trainyard_attempts_total", { outcome: "succeeded", reason: "none" })).toBe(1);
    expect(scheduler.value("trainyard_attempts_total", { outcome: "failed", reason: "EXIT_CODE" })).toBe(1);
    expect(scheduler.value("trainyard_attempts_total", { outcome: "failed", reason: "IMAGE_UNAVAILABLE" })).toBe(1);
  });

  it("observes submit-to-running latency once per task that started", () => {
    expect(scheduler.value("trainyard_task_start_latency_seconds_count")).toBe(2);
    const sum = scheduler.value("trainyard_task_start_latency_seconds_sum")!;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(120);
  });

  it("counts log frames and bytes delivered to StreamLogs clients", () => {
    expect(scheduler.value("trainyard_log_frames_delivered_total")).toBeGreaterThanOrEqual(2);
    expect(scheduler.value("trainyard_log_bytes_delivered_total")).toBe(deliveredBytes);
  });

  it("times RPCs by service, method and gRPC code", () => {
    const svc = "trainyard.v1.SchedulerService";
    expect(scheduler.value("trainyard_rpc_duration_seconds_count", { service: svc, method: "Submit", code: "OK" })).toBe(3);
    expect(scheduler.value("trainyard_rpc_duration_seconds_count", { service: svc, method: "Get", code: "NOT_FOUND" })).toBe(1);
    expect(scheduler.value("trainyard_rpc_duration_seconds_count", { service: svc, method: "StreamLogs", code: "OK" })).toBe(1);
    expect(scheduler.value("trainyard_rpc_duration_seconds_count", { service: svc, method: "Get", code: "OK" })).toBeGreaterThan(0);
  });

  it("includes the process metrics", () => {
    expect(scheduler.value("process_cpu_user_seconds_total")).toBeGreaterThan(0);
  });
});

describe("agent /metrics", () => {
  it("reports its slots: total as configured, none in use when idle", () => {
    expect(agent.value("trainyard_agent_slots")).toBe(SLOTS);
    expect(agent.value("trainyard_agent_slots_in_use")).toBe(0);
  });

  it("counts a running attempt in its slots in use", async () => {
    const id = (await c.client.submit(spec({ command: sh("sleep 30") }))).task!.id;
    await c.waitForState(id, TaskState.RUNNING);
    const during = await scrape(c.agents[0]!.metricsUrl);
    expect(during.value("trainyard_agent_slots_in_use")).toBe(1);
    expect(during.value("trainyard_agent_slots")).toBe(SLOTS);
    await c.client.cancel({ taskId: id });
    await c.waitForState(id, TaskState.CANCELLED);
    await expect.poll(async () => (await scrape(c.agents[0]!.metricsUrl)).value("trainyard_agent_slots_in_use")).toBe(0);
  });

  it("times having the image (present or failed) and container starts", () => {
    expect(agent.value("trainyard_agent_image_pull_seconds_count", { result: "present" })).toBe(2);
    expect(agent.value("trainyard_agent_image_pull_seconds_count", { result: "failed" })).toBe(1);
    expect(agent.value("trainyard_agent_container_start_seconds_count", { result: "ok" })).toBe(2);
    expect(agent.value("trainyard_agent_container_start_seconds_sum", { result: "ok" })).toBeGreaterThan(0);
  });

  it("counts log frames and bytes it published", () => {
    // Each started task writes at least its output and its outcome line; the failed pull writes SYSTEM lines.
    expect(agent.value("trainyard_log_frames_published_total")).toBeGreaterThanOrEqual(4);
    // What one client read of one task is a part of what the agent published for three.
    expect(agent.value("trainyard_log_bytes_published_total")).toBeGreaterThan(deliveredBytes);
  });

  it("times its own RPCs too", async () => {
    const { createAgentClient } = await import("./harness/cluster.js");
    await createAgentClient({ baseUrl: c.agents[0]!.url }).getNode({});
    const again = await scrape(c.agents[0]!.metricsUrl);
    expect(again.value("trainyard_rpc_duration_seconds_count", { service: "trainyard.v1.AgentService", method: "GetNode", code: "OK" })).toBe(1);
  });

  it("serves no metrics when its address is empty", async () => {
    const quiet = await c.startAgent({ slots: 1, env: { TRAINYARD_AGENT_METRICS_ADDR: "" } });
    expect(quiet.metricsUrl).toBeUndefined();
    await quiet.close();
  });

  it("closes the metrics listener on shutdown", async () => {
    const extra = await c.startAgent({ slots: 1 });
    const url = extra.metricsUrl!;
    expect((await fetch(url)).status).toBe(200);
    await extra.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe("per-task log lines", () => {
  // The suite's service log (test/harness/cluster.ts): pino JSON, one object a line.
  const lines = () =>
    readFileSync(path.join(os.tmpdir(), "trainyard-tests", "metrics.log"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.task === okTask);

  it("carry task, attempt and node on the agent's and the scheduler's lines", async () => {
    const node = c.agents[0]!.nodeId;
    for (const msg of ["attempt claimed", "container started", "attempt finished", "event applied"]) {
      await expect.poll(() => lines().filter((l) => l.msg === msg).length, { timeout: 5_000 }).toBeGreaterThan(0);
      for (const l of lines().filter((l) => l.msg === msg)) expect(l, msg).toMatchObject({ task: okTask, attempt: 1, node });
    }
    expect(lines().find((l) => l.msg === "task submitted")).toMatchObject({ task: okTask, attempt: 1 });
  });
});

describe("attempts counted on the successful compare-and-set", () => {
  it("counts an end that two replicas race to apply once", async () => {
    const nc = await connectNats({ servers: [c.nats.url] }, "_INBOX", "metrics-race", silentLogger());
    try {
      const infra = await ensureInfrastructure(nc, loadSchedulerConfig({}).infra);
      const js = jetstream(nc);
      const replicas = [new Registry(), new Registry()].map((r) => new SchedulerMetrics(r, () => new TaskView().countByState()));
      const stores = replicas.map((m) => new KvTaskStore(infra.tasks, (before, after) => m.stored(before, after)));
      const appliers = stores.map((store) => createApplier({ store, systemLog: new JetStreamSystemLog(js), view: { offer: () => {} } }));
      const now = Date.now();
      const ids = Array.from({ length: 10 }, (_, i) => `t-race${i}${now}`);
      for (const id of ids) await stores[0]!.create(runningTask(id, now));
      // Each replica applies the same "finished" event to every task at once; one write wins each time.
      await Promise.all(
        ids.flatMap((id) =>
          appliers.map((applier) =>
            applier.apply(id, { type: "finished", taskId: id, attempt: 1, nodeId: "n-race", holder: "n-race", outcome: { exitCode: 3, failureReason: "EXIT_CODE", end: { kind: "exited", exitCode: 3, oomKilled: false } }, time: now }),
          ),
        ),
      );
      let total = 0;
      for (const m of replicas) {
        const line = /^trainyard_attempts_total\{outcome="failed",reason="EXIT_CODE"\} (\d+)$/m.exec(await m.registry.metrics());
        total += line ? Number(line[1]) : 0;
      }
      expect(total).toBe(ids.length);
    } finally {
      await nc.drain();
    }
  });
});

function runningTask(id: string, now: number): TaskRecord {
  return {
    id,
    spec: taskSpec({ command: ["true"], retry: { maxRetries: 0, delayMs: 0 }, stopGraceMs: 1_000 }),
    state: "RUNNING",
    attempts: [{ number: 1, state: "RUNNING", notBefore: now, nodeId: "n-race", claimTime: now, startTime: now, containerId: "c" }],
    message: "running",
    createTime: now,
    startTime: now,
  };
}

interface Scrape {
  text: string;
  /** The sample's value, undefined when absent. Labels must match exactly (all of them). */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

async function scrape(url: string | undefined): Promise<Scrape> {
  expect(url).toBeDefined();
  const res = await fetch(url!);
  expect(res.status).toBe(200);
  const text = await res.text();
  return {
    text,
    value(name, labels = {}) {
      const want = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .sort()
        .join(",");
      for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const got = (m[2] ?? "").split(/,(?=[a-zA-Z_]+=")/).filter(Boolean).sort().join(",");
        if (got === want) return Number(m[3]);
      }
      return undefined;
    },
  };
}
