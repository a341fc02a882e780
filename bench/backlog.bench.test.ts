// Benchmark (`npm run bench`; `npm test` runs it in smoke mode): a backlog that costs nothing
// while it waits (issue 11, item 4). A scheduler process and its nats-server, no agent: 16
// Submits in flight until N tasks wait. The baseline, measured in the same run, is the Submit
// rate of the first tasks (an empty backlog); the row is the rate of the last ones. Then, with
// nothing changing, the idle CPU of both processes (read from /proc), and the scheduler's RSS.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTrainyardClient, type SchedulerClient } from "@trainyard/client";
import { freePort, startNats, type NatsServer } from "../test/harness/nats.js";
import { startService, waitForLine, type ServiceProcess } from "../test/harness/processes.js";
import { sh, spec } from "../test/harness/tasks.js";
import { cpuSeconds, fmt, row, SMOKE } from "./lib/table.js";

const N = SMOKE ? 2_000 : 100_000;
const WINDOW = SMOKE ? 500 : 5_000;
const IDLE_MS = SMOKE ? 2_000 : 30_000;

let nats: NatsServer;
let scheduler: ServiceProcess;
let client: SchedulerClient;

beforeAll(async () => {
  nats = await startNats();
  const port = await freePort();
  scheduler = startService("scheduler", "bench-backlog-scheduler", { TRAINYARD_NATS_URL: nats.url, TRAINYARD_GRPC_ADDR: `127.0.0.1:${port}`, TRAINYARD_LOG_LEVEL: "info" });
  await waitForLine(scheduler, "scheduler serving");
  client = createTrainyardClient({ baseUrl: `http://127.0.0.1:${port}` });
});
afterAll(async () => {
  scheduler?.kill("SIGTERM");
  await scheduler?.exited;
  await nats?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

it(`Submit stays as fast with ${N.toLocaleString("en-US")} tasks waiting, and a waiting backlog costs no CPU`, async () => {
  const rates: number[] = [];
  let next = 0;
  let windowStart = performance.now();
  let inWindow = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < N) {
        const i = next++;
        await client.submit(spec({ command: sh(`echo ${i}`), pool: "nowhere" }));
        if (++inWindow === WINDOW) {
          const now = performance.now();
          rates.push(WINDOW / ((now - windowStart) / 1000));
          [windowStart, inWindow] = [now, 0];
        }
      }
    }),
  );
  await sleep(SMOKE ? 1_000 : 15_000); // the last messages written, the last merge of the index
  const [s0, n0, t0] = [cpuSeconds(scheduler.pid), cpuSeconds(nats.pid!), performance.now()];
  await sleep(IDLE_MS);
  const secs = (performance.now() - t0) / 1000;
  const sCpu = ((cpuSeconds(scheduler.pid) - s0) / secs) * 100;
  const nCpu = ((cpuSeconds(nats.pid!) - n0) / secs) * 100;
  const first = rates[0]!;
  const last = rates[rates.length - 1]!;
  expect((await client.list({ pageSize: 1 })).tasks).toHaveLength(1);
  row({
    row: `P6 Submit rate with ${fmt(N)} tasks waiting (16 in flight)`,
    trainyard: `${fmt(last)}/s for the last ${fmt(WINDOW)} (slowest window ${fmt(Math.min(...rates))}/s)`,
    baseline: `the first ${fmt(WINDOW)}, empty backlog: ${fmt(first)}/s`,
    ratio: last / first,
    goal: "≥ 0.9×",
    ...(SMOKE ? {} : { met: last / first >= 0.9 }),
  });
  row({
    row: `P6 idle with ${fmt(N)} tasks waiting, ${IDLE_MS / 1000} s`,
    trainyard: `scheduler ${sCpu.toFixed(1)}% CPU, RSS ${Math.round(rssMb(scheduler.pid))} MB; nats-server ${nCpu.toFixed(1)}%`,
    baseline: "–",
    goal: "≤ 2% each",
    ...(SMOKE ? {} : { met: sCpu <= 2 && nCpu <= 2 }),
  });
});
