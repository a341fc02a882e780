// `docker-compose up` of docker-compose.cluster.yml, for real (Debian's docker-compose 1.29,
// with the local images and loopback ports of compose-local.cluster.yml, see compose-up.ts):
// three NATS servers form one JetStream cluster over their authenticated routes, two scheduler
// replicas and an agent come up healthy, a task runs to SUCCEEDED; then one NATS server and the
// scheduler replica that places work (the holder of the placer lease, from its log) are killed
// (`docker-compose kill`), and a task submitted to the other replica still runs to SUCCEEDED,
// with its log. `down -v` leaves nothing behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { createTrainyardClient, TaskState, type SchedulerClient } from "@trainyard/client";
import { dockerAvailable } from "../harness/docker.js";
import { readLog, sh, spec, text, waitFinal } from "../harness/tasks.js";
import { buildLocalImages, composeStack, leftovers, note, type ComposeStack } from "./compose-up.js";

let stack: ComposeStack | undefined;
let first: SchedulerClient;
let second: SchedulerClient;

const NATS = ["nats-1", "nats-2", "nats-3"];
const SCHEDULERS = ["scheduler", "scheduler-2"];

/**
 * The scheduler service whose replica holds the placer lease now: the one that logged taking it
 * at the highest epoch (each taking has a larger one; decision 0006).
 */
async function placer(): Promise<string> {
  let best: { service: string; epoch: number } | undefined;
  for (const service of SCHEDULERS) {
    for (const line of (await stack!.logs(service)).split("\n")) {
      if (!line.startsWith("{")) continue;
      let entry: { msg?: string; epoch?: number };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue; // not a log record (a line of a stack trace)
      }
      if (entry.msg?.startsWith("placer lease taken") && entry.epoch !== undefined && entry.epoch > (best?.epoch ?? -1)) best = { service, epoch: entry.epoch };
    }
  }
  if (!best) throw new Error("no scheduler replica logged taking the placer lease");
  return best.service;
}

beforeAll(async () => {
  await dockerAvailable();
  await buildLocalImages();
  stack = await composeStack({
    name: "compose-up-cluster",
    file: "docker-compose.cluster.yml",
    override: "test/deploy/compose-local.cluster.yml",
    portVars: [
      ...[1, 2, 3].flatMap((n) => [`NATS_${n}_PORT`, `NATS_${n}_HTTP_PORT`, `NATS_${n}_CLUSTER_PORT`]),
      ...["SCHEDULER", "SCHEDULER_2"].flatMap((s) => [`${s}_GRPC_PORT`, `${s}_HTTP_PORT`, `${s}_METRICS_PORT`]),
      "AGENT_GRPC_PORT",
      "AGENT_METRICS_PORT",
    ],
  });
  await stack.up();
  await stack.healthy(["nats-config", ...NATS, ...SCHEDULERS, "agent"]);
  first = createTrainyardClient({ baseUrl: `http://127.0.0.1:${stack.ports.SCHEDULER_GRPC_PORT}` });
  second = createTrainyardClient({ baseUrl: `http://127.0.0.1:${stack.ports.SCHEDULER_2_GRPC_PORT}` });
}, 360_000);

afterAll(async () => {
  if (!stack) return;
  await stack.down();
  expect(await leftovers(stack.project)).toEqual({ containers: [], volumes: [], networks: [] });
}, 120_000);

/** Calls `f` again on UNAVAILABLE (what clients do while NATS elects new leaders), for up to 60 s. */
async function retrying<T>(f: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (!(err instanceof ConnectError && err.code === Code.Unavailable) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Submits through `submitTo`, waits for SUCCEEDED and reads the log through `readFrom`. */
async function runToSuccess(submitTo: SchedulerClient, readFrom: SchedulerClient, line: string): Promise<void> {
  const idempotencyKey = `${stack!.agentId}-${line.replace(/\W/g, "-")}`;
  let t0 = Date.now();
  const { task } = await retrying(() => submitTo.submit(spec({ command: sh(`echo ${line}`), idempotencyKey, maxInfraRetries: 3 })));
  note(`${stack!.project} submitted ${task!.id}`, t0);
  t0 = Date.now();
  const done = await retrying(() => waitFinal(readFrom, task!.id, 120_000));
  const attempts = done.attempts.map((a) => `${a.number}: ${a.message}`).join("; ");
  note(`${stack!.project} ${task!.id} ${TaskState[done.state]} (attempts ${attempts})`, t0);
  expect(TaskState[done.state], done.message).toBe("SUCCEEDED");
  expect(done.attempts.at(-1)?.nodeId).toBe(stack!.agentId);
  t0 = Date.now();
  expect(text(await retrying(() => readLog(readFrom, task!.id)))).toContain(`${line}\n`);
  note(`${stack!.project} ${task!.id} log read`, t0);
}

describe("docker-compose up of docker-compose.cluster.yml", () => {
  it("forms one JetStream cluster of three servers over authenticated routes", async () => {
    for (const n of [1, 2, 3]) {
      const varz = (await (await fetch(`http://127.0.0.1:${stack!.ports[`NATS_${n}_HTTP_PORT`]}/varz`)).json()) as { cluster?: { name?: string }; jetstream?: { meta?: { cluster_size?: number } } };
      expect(varz.cluster?.name).toBe("trainyard");
      expect(varz.jetstream?.meta?.cluster_size).toBe(3);
      const routez = (await (await fetch(`http://127.0.0.1:${stack!.ports[`NATS_${n}_HTTP_PORT`]}/routez`)).json()) as { num_routes: number };
      expect(routez.num_routes).toBeGreaterThanOrEqual(2);
    }
  });

  it("runs a task to SUCCEEDED, submitted to one scheduler replica and read from the other", async () => {
    await runToSuccess(first, second, "hello from the composed cluster");
  });

  it("still runs a task with one NATS server and the placing scheduler replica killed", async () => {
    const t0 = Date.now();
    const killed = await placer();
    await stack!.compose("kill", "nats-2", killed);
    note(`${stack!.project} killed nats-2 and ${killed} (the placer)`, t0);
    const ps = await stack!.compose("ps");
    expect(ps).toMatch(/_nats-2_1 .*Exit 137/);
    expect(ps).toMatch(new RegExp(`_${killed}_1 .*Exit 137`));
    const survivor = killed === "scheduler" ? second : first;
    await runToSuccess(survivor, survivor, "still running with nats-2 and a scheduler down");
  }, 240_000);
});
