/**
 * Memory flat in history: a scheduler restarted on 100,000 finished tasks serves List, Get and
 * Watch of them inside a 96 MB heap (node's --max-old-space-size: past it the process dies).
 * Holding every record whole, as schedulers did before the task index, took about 7 KB a task.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kvm } from "@nats-io/kv";
import { TaskState } from "@trainyard/client";
import { BUCKET, connectNats, ensureInfrastructure, silentLogger, type TaskRecord } from "@trainyard/common";
import { loadSchedulerConfig } from "@trainyard/scheduler";
import { taskId } from "@trainyard/scheduler/core/ids";
import { states, spec } from "../services/scheduler/test/fixtures.js";
import { startNats, type NatsServer } from "./harness/nats.js";
import { startService, waitForLine, type ServiceProcess } from "./harness/processes.js";
import { freePort } from "./harness/nats.js";
import { createTrainyardClient } from "@trainyard/client";

const N = 100_000;
const FAILED_EVERY = 1_000;
const HEAP_MB = 96;

let nats: NatsServer;
let scheduler: ServiceProcess | undefined;
const ids: string[] = [];

/** A finished task as a real one looks: a command, a few env vars, labels, one attempt. */
function finished(i: number, now: number): TaskRecord {
  const s = spec({
    command: ["python", "train.py", "--epochs", "10", "--lr", "3e-4", `--seed=${i}`],
    env: { WANDB_PROJECT: "history", DATA_DIR: "/data/imagenet", RUN_NAME: `run-${i}` },
    labels: { suite: "history", ...(i % FAILED_EVERY === 0 ? { kind: "bad" } : {}) },
  });
  const t = i % FAILED_EVERY === 0 ? states.FAILED(s) : states.SUCCEEDED(s);
  const id = taskId(now - N + i, Uint8Array.from({ length: 12 }, (_, k) => (i * 7 + k * 13) & 255));
  return { ...t, id, createTime: now - N + i, endTime: now, attempts: t.attempts.map((a) => ({ ...a, endTime: now })) };
}

beforeAll(async () => {
  nats = await startNats();
  const nc = await connectNats({ servers: [nats.url] }, "_INBOX", "history-writer", silentLogger());
  try {
    await ensureInfrastructure(nc, loadSchedulerConfig({}).infra);
    const kv = await new Kvm(nc).open(BUCKET.tasks);
    const now = Date.now();
    for (let from = 0; from < N; from += 2_000) {
      await Promise.all(
        Array.from({ length: Math.min(2_000, N - from) }, (_, k) => {
          const t = finished(from + k, now);
          ids.push(t.id);
          return kv.create(t.id, JSON.stringify(t));
        }),
      );
    }
  } finally {
    await nc.close();
  }
}, 300_000);

afterAll(async () => {
  scheduler?.kill();
  await nats?.stop();
});

describe("a scheduler on 100,000 finished tasks", () => {
  it(`starts and serves List, Get and Watch of them within a ${HEAP_MB} MB heap`, async () => {
    const port = await freePort();
    const began = performance.now();
    scheduler = startService("scheduler", "history-memory", {
      TRAINYARD_NATS_URL: nats.url,
      TRAINYARD_GRPC_ADDR: `127.0.0.1:${port}`,
      NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
    });
    await waitForLine(scheduler, "scheduler serving", 60_000);
    const client = createTrainyardClient({ baseUrl: `http://127.0.0.1:${port}` });
    const failed = await client.list({ states: [TaskState.FAILED], labels: { suite: "history" }, pageSize: 1_000 });
    const servedMs = performance.now() - began;
    expect(failed.tasks.map((t) => t.id)).toEqual(ids.filter((_, i) => i % FAILED_EVERY === 0).reverse());
    expect(failed.tasks[0]!.spec!.env).toMatchObject({ DATA_DIR: "/data/imagenet" });
    expect(failed.nextPageToken).toBe("");

    const newest = await client.list({ labels: { suite: "history" }, pageSize: 1_000 });
    expect(newest.tasks.map((t) => t.id)).toEqual(ids.slice(-1_000).reverse());
    const next = await client.list({ labels: { suite: "history" }, pageSize: 1_000, pageToken: newest.nextPageToken });
    expect(next.tasks[0]!.id).toBe(ids[N - 1_001]);

    expect((await client.get({ taskId: ids[12_345]! })).task?.state).toBe(TaskState.SUCCEEDED);
    const watch = new AbortController();
    for await (const r of client.watch({ taskId: ids[1_000]! }, { signal: watch.signal })) {
      expect(r.task?.state).toBe(TaskState.FAILED);
      break;
    }
    expect(scheduler.output().some((l) => l.includes("heap out of memory"))).toBe(false);
    console.log(`restart on ${N} finished tasks: serving List after ${Math.round(servedMs)} ms`);
  }, 120_000);
});
