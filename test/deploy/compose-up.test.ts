// `docker-compose up` of docker-compose.yml, for real: Debian's docker-compose 1.29 starts the
// file's services (with the local images and loopback ports of compose-local.yml, see
// compose-up.ts): the one-shot nats-config writes the NATS users, NATS, the scheduler and the
// agent pass their own healthchecks inside their containers, and a task submitted to the
// composed scheduler runs on the host's Docker Engine through the agent's mounted socket, to
// SUCCEEDED, with its log. `down -v` afterwards leaves no container, volume or network.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTrainyardClient, TaskState, type SchedulerClient } from "@trainyard/client";
import { dockerAvailable } from "../harness/docker.js";
import { readLog, sh, spec, text, waitFinal } from "../harness/tasks.js";
import { buildLocalImages, composeStack, leftovers, type ComposeStack } from "./compose-up.js";

let stack: ComposeStack | undefined;
let client: SchedulerClient;

beforeAll(async () => {
  await dockerAvailable();
  await buildLocalImages();
  stack = await composeStack({
    name: "compose-up",
    file: "docker-compose.yml",
    override: "test/deploy/compose-local.yml",
    portVars: ["NATS_PORT", "NATS_HTTP_PORT", "SCHEDULER_GRPC_PORT", "SCHEDULER_HTTP_PORT", "SCHEDULER_METRICS_PORT", "AGENT_GRPC_PORT", "AGENT_METRICS_PORT"],
  });
  await stack.up();
  await stack.healthy(["nats-config", "nats", "scheduler", "agent"]);
  client = createTrainyardClient({ baseUrl: `http://127.0.0.1:${stack.ports.SCHEDULER_GRPC_PORT}` });
}, 360_000);

afterAll(async () => {
  if (!stack) return;
  await stack.down();
  expect(await leftovers(stack.project)).toEqual({ containers: [], volumes: [], networks: [] });
}, 120_000);

describe("docker-compose up of docker-compose.yml", () => {
  it("starts every service, each passing its healthcheck, with no Compose network", async () => {
    const ps = await stack!.compose("ps");
    for (const s of ["nats", "scheduler", "agent"]) expect(ps).toMatch(new RegExp(`_${s}_1 .*Up \\(healthy\\)`));
    expect(ps).toMatch(/_nats-config_1 .*Exit 0/);
    expect((await leftovers(stack!.project)).networks).toEqual([]);
  });

  it("runs a task to SUCCEEDED through the composed scheduler, on the composed agent, with its log", async () => {
    const { task } = await client.submit(spec({ command: sh("echo hello from compose; echo on stderr >&2") }));
    const done = await waitFinal(client, task!.id, 60_000);
    expect(TaskState[done.state], done.message).toBe("SUCCEEDED");
    expect(done.attempts.at(-1)?.nodeId).toBe(stack!.agentId);
    const log = text(await readLog(client, task!.id));
    expect(log).toContain("hello from compose\n");
    expect(log).toContain("on stderr\n");
  });

  it("serves the HTTP/1.1 port and metrics of the composed scheduler", async () => {
    const res = await fetch(`http://127.0.0.1:${stack!.ports.SCHEDULER_HTTP_PORT}/trainyard.v1.SchedulerService/List`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { tasks?: unknown[] }).tasks?.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`http://127.0.0.1:${stack!.ports.SCHEDULER_METRICS_PORT}/metrics`)).text();
    expect(metrics).toContain("trainyard_tasks");
  });
});
