#!/usr/bin/env node
// Manual measurement (not part of npm test): a scheduler's memory and List latency with N
// finished tasks kept. Starts its own nats-server (temp store, free port), writes N finished
// records straight into the tasks bucket, starts a scheduler from services/scheduler/dist, and
// prints: time from its start to the first List answered, its RSS once loaded, and List p50/p99
// (page 100; a label filter that matches 1 in 1,000, a state filter, no filter) and Get p99.
//
//   node bench/history.mjs 1000000
//
// docs/performance.md#history has the figures and how they were taken.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { createTrainyardClient, TaskState } from "../clients/ts/dist/index.js";
import { ensureInfrastructure } from "../packages/common/dist/index.js";
import { loadSchedulerConfig } from "../services/scheduler/dist/index.js";
import { taskId } from "../services/scheduler/dist/core/ids.js";

const N = Number(process.argv[2] ?? 1_000_000);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const freePort = () =>
  new Promise((r) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => r(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const store = mkdtempSync(path.join(os.tmpdir(), "trainyard-history-"));
const natsPort = await freePort();
const nats = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(natsPort), "-sd", store], { stdio: "ignore" });
const children = [nats];
process.on("exit", () => {
  children.forEach((c) => c.kill("SIGKILL"));
  rmSync(store, { recursive: true, force: true });
});
await sleep(1_000);
const url = `nats://127.0.0.1:${natsPort}`;

const nc = await connect({ servers: url });
await ensureInfrastructure(nc, loadSchedulerConfig({}).infra);
const kv = await new Kvm(nc).open("tasks");
const now = Date.now();
const ids = [];
const t0 = Date.now();
for (let from = 0; from < N; from += 2_000) {
  await Promise.all(
    Array.from({ length: Math.min(2_000, N - from) }, (_, k) => {
      const i = from + k;
      const id = taskId(now - N + i, Uint8Array.from({ length: 12 }, (_, b) => (i * 7 + b * 13 + (i >> 8)) & 255));
      ids.push(id);
      const failed = i % 1_000 === 0;
      const record = {
        id,
        spec: {
          image: "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
          command: ["python", "train.py", "--epochs", "10", "--lr", "3e-4", `--seed=${i}`],
          env: { WANDB_PROJECT: "history", DATA_DIR: "/data/imagenet", RUN_NAME: `run-${i}` },
          labels: { suite: "history", ...(failed ? { kind: "bad" } : {}) },
          resources: { cpus: 4, memoryBytes: 16 * 2 ** 30, gpus: 1 },
          pool: "default",
          retry: { maxRetries: 3, delayMs: 5_000 },
          timeoutMs: 0,
          stopGraceMs: 10_000,
        },
        state: failed ? "FAILED" : "SUCCEEDED",
        attempts: [{ number: 1, state: failed ? "FAILED" : "SUCCEEDED", notBefore: now - N + i, nodeId: "gpu-7", containerId: "c".repeat(64), startTime: now - N + i, endTime: now, exitCode: failed ? 1 : 0, message: failed ? "exit code 1" : "exit code 0" }],
        message: failed ? "failed: exit code 1" : "succeeded",
        createTime: now - N + i,
        startTime: now - N + i,
        endTime: now,
        exitCode: failed ? 1 : 0,
      };
      return kv.create(id, JSON.stringify(record));
    }),
  );
  if ((from + 2_000) % 100_000 === 0) process.stderr.write(`written ${from + 2_000}\n`);
}
console.log(`wrote ${N} finished tasks in ${Math.round((Date.now() - t0) / 1000)} s`);
await nc.close();

const port = await freePort();
const began = performance.now();
const scheduler = spawn(process.execPath, [path.join(repo, "services/scheduler/dist/main.js")], {
  env: { ...process.env, TRAINYARD_NATS_URL: url, TRAINYARD_GRPC_ADDR: `127.0.0.1:${port}`, TRAINYARD_METRICS_ADDR: "127.0.0.1:0", TRAINYARD_HTTP_ADDR: "127.0.0.1:0", TRAINYARD_LOG_LEVEL: "warn", TRAINYARD_LOG_FORMAT: "json" },
  stdio: ["ignore", "inherit", "inherit"],
});
children.push(scheduler);
const client = createTrainyardClient({ baseUrl: `http://127.0.0.1:${port}` });
for (;;) {
  try {
    await client.list({ pageSize: 1 });
    break;
  } catch {
    await sleep(100);
  }
}
console.log(`restart: first List answered after ${Math.round(performance.now() - began)} ms`);
await sleep(5_000);
console.log(`scheduler RSS with ${N} finished tasks: ${Math.round(rssMb(scheduler.pid))} MB`);

const queries = {
  "label 1 in 1,000": { labels: { kind: "bad" }, pageSize: 100 },
  "state FAILED": { states: [TaskState.FAILED], pageSize: 100 },
  "no filter": { pageSize: 100 },
  "no filter, page 50": { pageSize: 100, pageToken: Buffer.from(ids[N - 5_001]).toString("base64url") },
};
for (const [name, q] of Object.entries(queries)) {
  const ms = [];
  for (let k = 0; k < 100; k++) {
    const s = performance.now();
    await client.list(q);
    ms.push(performance.now() - s);
  }
  console.log(`List ${name}: p50 ${pct(ms, 0.5).toFixed(1)} ms, p99 ${pct(ms, 0.99).toFixed(1)} ms`);
}
const gets = [];
for (let k = 0; k < 200; k++) {
  const s = performance.now();
  await client.get({ taskId: ids[Math.floor(Math.random() * N)] });
  gets.push(performance.now() - s);
}
console.log(`Get: p50 ${pct(gets, 0.5).toFixed(1)} ms, p99 ${pct(gets, 0.99).toFixed(1)} ms`);
console.log(`scheduler RSS after the queries: ${Math.round(rssMb(scheduler.pid))} MB`);
process.exit(0);
