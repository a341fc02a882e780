#!/usr/bin/env node
// Manual measurement (not part of npm test or npm run bench): submits N tasks to a pool no agent
// serves, prints the Submit rate per 5,000, then waits 15 s and measures the scheduler's and
// nats-server's CPU over 30 s of nothing changing (from /proc/<pid>/stat).
//
//   node bench/idle-backlog.mjs http://127.0.0.1:50051 100000 <scheduler pid> <nats-server pid>
//
// docs/performance.md#placement has the figures and how they were taken.
import { readFileSync } from "node:fs";
import { createTrainyardClient } from "../clients/ts/dist/index.js";

const [url, count, schedulerPid, natsPid] = [process.argv[2], Number(process.argv[3]), process.argv[4], process.argv[5]];
if (!url || !count || !schedulerPid || !natsPid) {
  console.error("usage: node bench/idle-backlog.mjs URL COUNT SCHEDULER_PID NATS_PID");
  process.exit(2);
}
const client = createTrainyardClient({ baseUrl: url });
const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};

const rates = [];
let submitted = 0;
let last = Date.now();
const t0 = Date.now();
const spec = { image: "busybox", command: ["true"], pool: "nowhere" };
async function worker() {
  while (submitted < count) {
    const n = ++submitted;
    await client.submit({ spec });
    if (n % 5000 === 0) {
      const now = Date.now();
      rates.push(`${n}: ${Math.round(5000 / ((now - last) / 1000))}/s`);
      last = now;
    }
  }
}
await Promise.all(Array.from({ length: 16 }, worker));
console.log(`submitted ${count} in ${Math.round((Date.now() - t0) / 1000)} s; ${rates.join(", ")}`);
await new Promise((r) => setTimeout(r, 15_000));
const [s0, n0, w0] = [cpuSeconds(schedulerPid), cpuSeconds(natsPid), Date.now()];
await new Promise((r) => setTimeout(r, 30_000));
const secs = (Date.now() - w0) / 1000;
const pct = (a, b) => (((b - a) / secs) * 100).toFixed(1);
console.log(`idle ${Math.round(secs)} s: scheduler ${pct(s0, cpuSeconds(schedulerPid))}% CPU, nats-server ${pct(n0, cpuSeconds(natsPid))}% CPU`);
