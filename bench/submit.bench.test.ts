// Benchmark (`npm run bench`; `npm test` runs it in smoke mode): Submit at RPC speed (issue 11,
// item 7). The same client, on one HTTP/2 connection, calls Submit on a scheduler process (with
// its nats-server; no agent, so the tasks wait) and on a bare connect-node server that answers
// Submit with the request's spec and does nothing else (bench/lib/echo-server.mjs): first closed
// loop with 32 calls in flight (throughput), then paced at half of the scheduler's throughput
// (latency under a moderate load), then one call at a time.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTrainyardClient, type SchedulerClient } from "@trainyard/client";
import { freePort, startNats, type NatsServer } from "../test/harness/nats.js";
import { startService, waitForLine, type ServiceProcess } from "../test/harness/processes.js";
import { sh, spec } from "../test/harness/tasks.js";
import { cpuSeconds, fmt, percentile, row, SMOKE } from "./lib/table.js";

const N = SMOKE ? 300 : 6_000;
const WARMUP = SMOKE ? 50 : 1_000;
const IN_FLIGHT = 32;

let nats: NatsServer;
let scheduler: ServiceProcess;
let echo: ChildProcess;
let trainyard: SchedulerClient;
let bare: SchedulerClient;

beforeAll(async () => {
  nats = await startNats();
  const port = await freePort();
  // Info level, as in production: debug logs every RPC.
  scheduler = startService("scheduler", "bench-submit-scheduler", { TRAINYARD_NATS_URL: nats.url, TRAINYARD_GRPC_ADDR: `127.0.0.1:${port}`, TRAINYARD_LOG_LEVEL: "info" });
  await waitForLine(scheduler, "scheduler serving");
  trainyard = createTrainyardClient({ baseUrl: `http://127.0.0.1:${port}` });
  const echoPort = await freePort();
  echo = spawn(process.execPath, [path.join(import.meta.dirname, "lib/echo-server.mjs"), String(echoPort)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    echo.stdout!.once("data", () => resolve());
    echo.once("exit", (code) => reject(new Error(`echo server exited ${code}`)));
  });
  bare = createTrainyardClient({ baseUrl: `http://127.0.0.1:${echoPort}` });
});
afterAll(async () => {
  echo?.kill();
  scheduler?.kill("SIGTERM");
  await scheduler?.exited;
  await nats?.stop();
});

const request = (i: number) => spec({ command: sh(`echo ${i}`), labels: { bench: "submit" } });

interface Run {
  rps: number;
  latencies: number[];
  secs: number;
}

/** n calls, `inFlight` at a time (closed loop). */
async function closedLoop(client: SchedulerClient, n: number, inFlight: number): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await client.submit(request(i));
        latencies.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { rps: n / secs, latencies, secs };
}

/** n calls started at `rate` a second whatever the answers (open loop). */
async function paced(client: SchedulerClient, n: number, rate: number): Promise<Run> {
  const latencies: number[] = [];
  const t0 = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const s = performance.now();
    calls.push(client.submit(request(i)).then(() => void latencies.push(performance.now() - s)));
  }
  await Promise.all(calls);
  const secs = (performance.now() - t0) / 1000;
  return { rps: n / secs, latencies, secs };
}

const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;
const lat = (r: Run) => `p50 ${ms(percentile(r.latencies, 50))}, p99 ${ms(percentile(r.latencies, 99))}`;

it(`Submit with ${IN_FLIGHT} in flight, paced at half load, and one at a time, against a bare echo`, async () => {
  await closedLoop(bare, WARMUP, IN_FLIGHT);
  await closedLoop(trainyard, WARMUP, IN_FLIGHT);

  const echoRun = await closedLoop(bare, N, IN_FLIGHT);
  const cpu0 = [cpuSeconds(scheduler.pid), cpuSeconds(nats.pid!)];
  const run = await closedLoop(trainyard, N, IN_FLIGHT);
  const [sCpu, nCpu] = [cpuSeconds(scheduler.pid) - cpu0[0]!, cpuSeconds(nats.pid!) - cpu0[1]!].map((c) => Math.round((c / run.secs) * 100));
  row({
    row: `P2 Submit, ${IN_FLIGHT} in flight, one connection`,
    trainyard: `${fmt(run.rps)} RPS, ${lat(run)}; scheduler ${sCpu}% CPU, NATS ${nCpu}%`,
    baseline: `bare connect-node echo ${fmt(echoRun.rps)} RPS, ${lat(echoRun)}`,
    ratio: run.rps / echoRun.rps,
    goal: "≥ 0.8×",
    ...(SMOKE ? {} : { met: run.rps / echoRun.rps >= 0.8 }),
  });

  const rate = run.rps / 2;
  const echoHalf = await paced(bare, N / 2, rate);
  const half = await paced(trainyard, N / 2, rate);
  const p99 = percentile(half.latencies, 99);
  row({
    row: `P2 Submit paced at half that load (${fmt(rate)}/s)`,
    trainyard: lat(half),
    baseline: `echo at the same pace: ${lat(echoHalf)}`,
    ratio: percentile(echoHalf.latencies, 99) / p99,
    goal: "p99 ≤ 10 ms",
    ...(SMOKE ? {} : { met: p99 <= 10 }),
  });

  const echoOne = await closedLoop(bare, N / 4, 1);
  const one = await closedLoop(trainyard, N / 4, 1);
  row({ row: "P2 Submit, one at a time", trainyard: `${fmt(one.rps)} RPS, ${lat(one)}`, baseline: `echo ${fmt(echoOne.rps)} RPS, ${lat(echoOne)}`, ratio: one.rps / echoOne.rps });

  const listed = await trainyard.list({ pageSize: 1, labels: { bench: "submit" } });
  expect(listed.tasks).toHaveLength(1);
});
