// Many simulated agents in one process, for bench/control-plane.bench.test.ts: each a real
// startAgent() (its own NATS connection, heartbeats, pull loop, claims, reports, log frames,
// per-attempt log file, gRPC port) over a FakeRuntime of its own instead of Docker. Runs the
// built code (services/agent/dist, `npx tsc -b`), as the scheduler process of the bench does.
//
// Forked with an IPC channel; configured by env:
//   BENCH_NATS_URL, BENCH_AGENTS (count), BENCH_SLOTS (per agent), BENCH_IMAGE, BENCH_LOG_DIR,
//   BENCH_LOG_LEVEL (default "info", the agent's own default), BENCH_AGENT_LOG (a file for warnings and worse).
// Says {type: "ready", nodes} once every agent serves. Answers {type: "containers"} with
// {type: "containers", perTask: {<task id>: containers created for it}, total, running}, and
// {type: "close"} by closing every agent, then exiting.
import { pino } from "pino";
import { startAgent } from "../../services/agent/dist/agent.js";
import { loadAgentConfig } from "../../services/agent/dist/config.js";
import { FakeRuntime } from "../../services/agent/dist/runtime/fake-runtime.js";

const env = process.env;
const count = Number(env.BENCH_AGENTS ?? 100);
// Info lines (the agent's default level) cost what they cost, but only warnings and worse are kept (BENCH_AGENT_LOG).
const logger = pino(
  { name: "agent", level: env.BENCH_LOG_LEVEL ?? "info", base: { pid: process.pid } },
  pino.multistream([
    { level: "trace", stream: pino.destination({ dest: "/dev/null", sync: true }) },
    ...(env.BENCH_AGENT_LOG ? [{ level: "warn", stream: pino.destination({ dest: env.BENCH_AGENT_LOG, append: true, mkdir: true, sync: false }) }] : []),
  ]),
);

const runtimes = [];
const agents = [];
for (let i = 0; i < count; i++) {
  const runtime = new FakeRuntime({ images: [env.BENCH_IMAGE], recordCalls: false });
  const config = loadAgentConfig({
    TRAINYARD_NATS_URL: env.BENCH_NATS_URL,
    TRAINYARD_AGENT_ID: `fake-${String(i).padStart(3, "0")}`,
    TRAINYARD_AGENT_SLOTS: env.BENCH_SLOTS ?? "4",
    TRAINYARD_AGENT_GPUS: "0",
    TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0",
    TRAINYARD_AGENT_METRICS_ADDR: "",
    TRAINYARD_LOG_DIR: env.BENCH_LOG_DIR,
    // Longer than the default 15 s: on a shared 2-core machine under load, 100 agents in one
    // process can go 10 s without a heartbeat acknowledged, and would fence themselves (NODE_LOST,
    // a second attempt). Right behaviour, but not what this bench measures.
    TRAINYARD_AGENT_LEASE: env.BENCH_AGENT_LEASE ?? "60s",
  });
  runtimes.push(runtime);
  agents.push(startAgent(config, logger, runtime));
}
const started = await Promise.all(agents);
process.send({ type: "ready", nodes: started.map((a) => a.nodeId) });

process.on("message", async (m) => {
  if (m.type === "containers") {
    const perTask = {};
    let total = 0;
    let running = 0;
    for (const r of runtimes) {
      for (const c of r.containers()) {
        const task = c.spec.labels["trainyard.task"] ?? "?";
        perTask[task] = (perTask[task] ?? 0) + 1;
        total++;
        if (!c.removed) running++;
      }
    }
    process.send({ type: "containers", perTask, total, running });
  } else if (m.type === "close") {
    await Promise.all(started.map((a) => a.close()));
    process.send({ type: "closed" }, () => process.exit(0));
  }
});
