// Benchmark (`npm run bench`; `npm test` runs it in smoke mode): control-plane throughput (issue
// 11, item 9). A real nats-server, one scheduler in its own process (so its CPU is its own, read
// from /proc, and it can be profiled with --cpu-prof), and 100 agents in one child process
// (bench/lib/fake-agents.mjs), each a real startAgent() over a FakeRuntime whose containers exit
// 0 at once. N tasks are submitted, IN_FLIGHT at a time; the rate is N over the time from the
// first Submit to the moment the scheduler counts the last one SUCCEEDED (its trainyard_tasks
// gauge, polled: a Watch of every change would load the scheduler being measured). Then every
// task is read back (List): SUCCEEDED, one attempt, number 1; and every task had exactly one
// container across all agents.
//
// Baselines, in the same run on the same nats-server:
//  - the KV floor: each task's chain of compare-and-set writes done bare (create, then the same
//    number of updates Trainyard made per task, counted from the tasks bucket's stream, with
//    records of the same size), IN_FLIGHT tasks at a time. Every state change is a CAS on the
//    task's key, one after another, so this is what the design cannot beat on this machine; the
//    ratio says how much of it the rest of the control plane (events, dispatch, claims, logs,
//    placement, the agents) leaves.
//  - the fake runtime's own floor (create/start/wait/logs/remove of the same N containers through
//    FakeRuntime directly), to show the simulated hosts cost next to nothing.
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTrainyardClient, FailureReason, TaskState, type SchedulerClient } from "@trainyard/client";
import type { TaskRecord } from "@trainyard/common";
import type { ContainerSpec } from "@trainyard/agent/runtime/container-runtime";
import { FakeRuntime } from "@trainyard/agent/runtime/fake-runtime";
import { freePort, startNats, type NatsServer } from "../test/harness/nats.js";
import { startService, waitForLine, type ServiceProcess } from "../test/harness/processes.js";
import { spec } from "../test/harness/tasks.js";
import { fmt, percentile, row, SMOKE } from "./lib/table.js";

const env = process.env;
const AGENTS = Number(env.BENCH_AGENTS ?? (SMOKE ? 5 : 100));
const SLOTS = Number(env.BENCH_SLOTS ?? 4);
const TASKS = Number(env.BENCH_TASKS ?? (SMOKE ? 100 : 10_000));
const IN_FLIGHT = Number(env.BENCH_IN_FLIGHT ?? 64);
const IMAGE = "trainyard/fake:bench";
const COMMAND = FakeRuntime.command({}); // no output, exit 0 at once
const GOAL = 2_000;

let nats: NatsServer;
let nc: NatsConnection;
let scheduler: ServiceProcess;
let client: SchedulerClient;
let metricsUrl: string;
let agents: ChildProcess;
let logDir: string;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  const [port, metricsPort] = [await freePort(), await freePort()];
  scheduler = startService("scheduler", "bench-control-plane-scheduler", {
    TRAINYARD_NATS_URL: nats.url,
    TRAINYARD_GRPC_ADDR: `127.0.0.1:${port}`,
    TRAINYARD_METRICS_ADDR: `127.0.0.1:${metricsPort}`,
    TRAINYARD_AGENT_LEASE: "60s", // as the agents' (bench/lib/fake-agents.mjs says why)
    // The scheduler's own default: what a deployment pays (startService asks for debug).
    TRAINYARD_LOG_LEVEL: env.BENCH_SCHEDULER_LOG_LEVEL ?? "info",
    // To profile: BENCH_SCHEDULER_NODE_OPTIONS="--import <a preload that starts node:inspector's Profiler>" (--cpu-prof is not allowed there).
    ...(env.BENCH_SCHEDULER_NODE_OPTIONS ? { NODE_OPTIONS: env.BENCH_SCHEDULER_NODE_OPTIONS } : {}),
  });
  await waitForLine(scheduler, "scheduler serving");
  client = createTrainyardClient({ baseUrl: `http://127.0.0.1:${port}` });
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  logDir = mkdtempSync(path.join(os.tmpdir(), "trainyard-bench-control-plane-"));
  agents = fork(path.join(import.meta.dirname, "lib/fake-agents.mjs"), [], {
    env: { ...env, BENCH_AGENT_LOG: path.join(os.tmpdir(), "trainyard-tests", "bench-control-plane-agents.log"), BENCH_NATS_URL: nats.url, BENCH_AGENTS: String(AGENTS), BENCH_SLOTS: String(SLOTS), BENCH_IMAGE: IMAGE, BENCH_LOG_DIR: logDir },
    execArgv: env.BENCH_AGENTS_NODE_OPTIONS ? env.BENCH_AGENTS_NODE_OPTIONS.split(" ") : [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await message(agents, "ready", 60_000);
  // Warm up (JIT, every node's dispatch consumer): a round of tasks, one per slot.
  await run(AGENTS * SLOTS, "warm-up");
});

afterAll(async () => {
  if (agents?.connected) {
    agents.send({ type: "close" });
    await message(agents, "closed", 60_000).catch(() => agents.kill("SIGKILL"));
  }
  scheduler?.kill("SIGTERM");
  await scheduler?.exited;
  await nc?.close();
  await nats?.stop();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

function message<T = Record<string, unknown>>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.off("message", on), reject(new Error(`no "${type}" from the agents within ${timeoutMs} ms`))), timeoutMs);
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off("message", on);
      resolve(m as T);
    };
    child.on("message", on);
  });
}

const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
};

/** Tasks by state in the scheduler's view (its trainyard_tasks gauge). */
async function counts(): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^trainyard_tasks\{state="(\w+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

async function streamSeq(name: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(name)).state.last_seq;
}

interface RunResult {
  ids: string[];
  secs: number;
  submitSecs: number;
  writesPerTask: number;
  bytesPerWrite: number;
  eventsPerTask: number;
  cpu: { scheduler: number; agents: number; nats: number; bench: number };
}

/** Submits `n` tasks, IN_FLIGHT at a time, and waits until the scheduler counts them all SUCCEEDED. */
async function run(n: number, label: string): Promise<RunResult> {
  const before = await counts();
  const done0 = before.SUCCEEDED ?? 0;
  const jsm = await jetstreamManager(nc);
  const kv0 = (await jsm.streams.info("KV_tasks")).state;
  const events0 = await streamSeq("EVENTS");
  const pids = { scheduler: scheduler.pid, agents: agents.pid!, nats: nats.pid! };
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
  const own0 = process.cpuUsage();
  const ids: string[] = [];
  const t0 = performance.now();
  let next = 0;
  let submitted = 0;
  const submit = async () => {
    while (next < n) {
      next++;
      const { task } = await client.submit({ ...spec({ command: COMMAND, image: IMAGE, labels: { bench: label } }) });
      ids.push(task!.id);
    }
  };
  const submitting = Promise.all(Array.from({ length: Math.min(IN_FLIGHT, n) }, submit)).then(() => (submitted = performance.now()));
  let tEnd = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100)); // a scrape costs the scheduler ~1 ms
    const c = await counts();
    if ((c.FAILED ?? 0) > (before.FAILED ?? 0) || (c.CANCELLED ?? 0) > (before.CANCELLED ?? 0)) throw new Error(`tasks failed: ${JSON.stringify(c)}`);
    if ((c.SUCCEEDED ?? 0) - done0 >= n) {
      tEnd = performance.now();
      break;
    }
    if (performance.now() - t0 > 240_000) throw new Error(`not done after 240 s: ${JSON.stringify(c)}`);
  }
  await submitting;
  const secs = (tEnd - t0) / 1000;
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, ((cpuSeconds(p) - cpu0[k]!) / secs) * 100]));
  const own = process.cpuUsage(own0);
  const kv1 = (await jsm.streams.info("KV_tasks")).state;
  return {
    ids,
    secs,
    submitSecs: (submitted - t0) / 1000,
    writesPerTask: (kv1.last_seq - kv0.last_seq) / n,
    bytesPerWrite: kv1.messages ? kv1.bytes / kv1.messages : 1024,
    eventsPerTask: ((await streamSeq("EVENTS")) - events0) / n,
    cpu: { scheduler: cpu.scheduler!, agents: cpu.agents!, nats: cpu.nats!, bench: ((own.user + own.system) / 1e6 / secs) * 100 },
  };
}

/** Every task of the run read back: SUCCEEDED once, one attempt, number 1. */
async function verify(label: string, ids: string[]): Promise<void> {
  const seen = new Map<string, number>();
  let pageToken = "";
  do {
    const r = await client.list({ labels: { bench: label }, pageSize: 1000, pageToken });
    for (const t of r.tasks) {
      seen.set(t.id, (seen.get(t.id) ?? 0) + 1);
      expect(TaskState[t.state], t.id).toBe("SUCCEEDED");
      const why = t.attempts.map((a) => `attempt ${a.number} on ${a.nodeId}: ${TaskState[a.state]} ${FailureReason[a.failureReason]} ${a.message}`).join("; ");
      expect(t.attempts.map((a) => a.number), `${t.id}: ${why}`).toEqual([1]);
    }
    pageToken = r.nextPageToken;
  } while (pageToken);
  expect(new Set(ids).size).toBe(ids.length);
  expect(seen.size).toBe(ids.length);
  for (const id of ids) expect(seen.get(id), id).toBe(1);
  agents.send({ type: "containers" });
  const c = await message<{ perTask: Record<string, number>; running: number }>(agents, "containers", 30_000);
  for (const id of ids) expect(c.perTask[id], `containers of ${id}`).toBe(1);
  expect(c.running).toBe(0);
}

/** When the dispatch of each task and each of its events went out, seen on a plain subscription to their subjects. */
const published = new Map<string, Record<string, number>>();
function tapMessages(): () => void {
  const subs = [nc.subscribe("trainyard.dispatch.>"), nc.subscribe("trainyard.events.>")];
  for (const sub of subs) {
    void (async () => {
      for await (const m of sub) {
        const at = Date.now();
        try {
          const b = m.json<{ taskId: string; type?: string }>();
          const seen = published.get(b.taskId) ?? {};
          seen[b.type ?? "dispatch"] ??= at;
          published.set(b.taskId, seen);
        } catch {
          /* not ours */
        }
      }
    })();
  }
  return () => subs.forEach((s) => s.unsubscribe());
}

/**
 * Where a task's time goes: median and p90 of each step over (a sample of) the run's tasks, from
 * their records (the times each step wrote) and the messages seen going out (".. out": when
 * the dispatch or the agent's event was published).
 */
async function phases(ids: string[]): Promise<string> {
  const kv = await new Kvm(nc).open("tasks");
  const sample = ids.slice(0, 2_000);
  const names = ["placed", "dispatch out", "dispatched", "claimed", "claimed out", "started", "started out", "ended", "finished out", "stored"];
  const steps: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  await Promise.all(
    sample.map(async (id) => {
      const e = await kv.get(id);
      const t = e!.json<TaskRecord>();
      const a = t.attempts[0]!;
      const out = published.get(id) ?? {};
      const at = [t.createTime, a.placeTime, out.dispatch, a.dispatchTime, a.claimTime, out.claimed, a.startTime, out.started, a.endTime, out.finished, e!.created.getTime()];
      names.forEach((n, i) => at[i + 1] !== undefined && at[i] !== undefined && steps[n]!.push(at[i + 1]! - at[i]!));
    }),
  );
  return Object.entries(steps)
    .map(([k, xs]) => `${k} +${Math.round(percentile(xs, 50))}/${Math.round(percentile(xs, 90))} ms`)
    .join(", ");
}

/** The KV floor: `n` chains of create + (writes − 1) compare-and-set updates of `bytes`-sized records, IN_FLIGHT at a time. */
async function kvFloor(n: number, writes: number, bytes: number): Promise<number> {
  const kv = await new Kvm(nc).create(`bench_cas_${Date.now()}`, { history: 1 });
  const body = (i: number) => JSON.stringify({ i, pad: "x".repeat(Math.max(0, bytes - 60)) });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, n) }, async () => {
      while (next < n) {
        const key = `t${next++}`;
        let rev = await kv.create(key, body(0));
        for (let w = 1; w < writes; w++) rev = await kv.update(key, body(w), rev);
      }
    }),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  await kv.destroy();
  return rate;
}

const FLOOR_SPEC: ContainerSpec = {
  name: "",
  image: IMAGE,
  command: COMMAND,
  env: {},
  labels: {},
  nanoCpus: 0,
  memoryBytes: 0,
  pidsLimit: 4096,
  gpuIds: [],
  gpuMode: "device-requests",
  network: "none",
  capabilities: [],
  oomScoreAdj: 500,
  readOnlyRootfs: false,
  mounts: [],
};

/** The fake runtime's floor: the same containers' lifecycle through FakeRuntime directly, IN_FLIGHT at a time. */
async function runtimeFloor(n: number): Promise<number> {
  const rt = new FakeRuntime({ images: [IMAGE], recordCalls: false });
  const signal = new AbortController().signal;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, n) }, async () => {
      while (next < n) {
        const i = next++;
        const id = await rt.create({ ...FLOOR_SPEC, name: `floor-${i}`, labels: { "trainyard.task": `floor-${i}` } });
        await rt.start(id);
        await rt.wait(id, signal);
        for await (const _ of rt.logs(id, { signal })) void _;
        await rt.inspect(id);
        await rt.remove(id);
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

it(`${TASKS} tasks through ${AGENTS} simulated agents × ${SLOTS} slots, ${IN_FLIGHT} Submits in flight`, async () => {
  const label = `run-${Date.now()}`;
  const untap = tapMessages();
  const r = await run(TASKS, label);
  untap();
  await verify(label, r.ids);
  const rate = TASKS / r.secs;
  const writes = Math.round(r.writesPerTask);
  const timeline = await phases(r.ids);
  const floor = await kvFloor(TASKS, writes, r.bytesPerWrite);
  const rtFloor = await runtimeFloor(TASKS);
  const cpu = `scheduler ${r.cpu.scheduler.toFixed(0)}%, agents ${r.cpu.agents.toFixed(0)}%, nats-server ${r.cpu.nats.toFixed(0)}%, submitter ${r.cpu.bench.toFixed(0)}% CPU`;
  // CPU time a task costs each process: what a shared machine's neighbours do not change much.
  const perTask = (pct: number) => ((pct / 100) * r.secs * 1000) / TASKS;
  const cpuPerTask = `CPU a task: scheduler ${perTask(r.cpu.scheduler).toFixed(2)} ms, agents ${perTask(r.cpu.agents).toFixed(2)} ms, nats-server ${perTask(r.cpu.nats).toFixed(2)} ms`;
  console.log(
    `\ncontrol plane: ${fmt(TASKS)} tasks in ${r.secs.toFixed(2)} s = ${fmt(rate)} tasks/s (Submits done at ${r.submitSecs.toFixed(2)} s, ${fmt(TASKS / r.submitSecs)}/s); ` +
      `${r.writesPerTask.toFixed(2)} task-record writes and ${r.eventsPerTask.toFixed(2)} events per task, ~${fmt(r.bytesPerWrite)} B a record; ${cpu}\n` +
      `KV floor (create + ${writes - 1} CAS updates per task): ${fmt(floor)} tasks/s; fake runtime floor: ${fmt(rtFloor)} containers/s\n` +
      `${cpuPerTask}\nphases, p50/p90 from the step before: ${timeline}\n`,
  );
  row({
    row: `P6 control plane: ${fmt(TASKS)} tasks Submit→SUCCEEDED, ${AGENTS} fake agents × ${SLOTS} slots, ${IN_FLIGHT} Submits in flight`,
    trainyard: `${fmt(rate)} tasks/s (${r.writesPerTask.toFixed(1)} CAS writes a task); ${cpu}; ${cpuPerTask}`,
    baseline: `bare KV CAS chains (create + ${writes - 1} updates) ${fmt(floor)} tasks/s; FakeRuntime alone ${fmt(rtFloor)}/s`,
    ratio: rate / floor,
    goal: `≥ ${fmt(GOAL)} tasks/s`,
    ...(SMOKE ? {} : { met: rate >= GOAL }),
  });
});
