// Real service processes for fault tests: `node services/<svc>/dist/main.js` (built by
// `npm run build`, which `npm test` runs), configured by env, killable with any signal.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTrainyardClient, type SchedulerClient } from "@trainyard/client";
import { dockerAvailable, removeContainers } from "./docker.js";
import { freePort, startNats } from "./nats.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const live = new Set<ChildProcess>();
process.once("exit", () => live.forEach((p) => p.kill("SIGKILL")));

export interface ServiceProcess {
  readonly pid: number;
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<string>;
  kill(signal?: NodeJS.Signals): void;
  /** Lines of its (pino JSON) output so far. */
  output(): string[];
}

export function startService(svc: "scheduler" | "agent", name: string, env: Record<string, string>): ServiceProcess {
  const main = path.join(repo, "services", svc, "dist", "main.js");
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build`);
  const dir = path.join(os.tmpdir(), "trainyard-tests");
  mkdirSync(dir, { recursive: true });
  const file = createWriteStream(path.join(dir, `${name}.log`), { flags: "a" });
  const child = spawn(process.execPath, [main], {
    // JSON logs (output() is parsed) and metrics on free ports, unless the test says otherwise.
    env: { ...process.env, TRAINYARD_LOG_LEVEL: "debug", TRAINYARD_LOG_FORMAT: "json", TRAINYARD_METRICS_ADDR: "127.0.0.1:0", TRAINYARD_AGENT_METRICS_ADDR: "127.0.0.1:0", TRAINYARD_HTTP_ADDR: "127.0.0.1:0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  const lines: string[] = [];
  for (const s of [child.stdout!, child.stderr!]) {
    s.on("data", (b: Buffer) => {
      file.write(b);
      lines.push(...b.toString().split("\n").filter(Boolean));
    });
  }
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => {
      live.delete(child);
      file.end();
      resolve(signal ?? String(code));
    }),
  );
  return {
    pid: child.pid!,
    exited,
    kill: (signal = "SIGKILL") => void child.kill(signal),
    output: () => lines,
  };
}

/** Waits until the process logged a line containing `text` (e.g. "agent serving"). */
export async function waitForLine(p: ServiceProcess, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.output().some((l) => l.includes(text))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no "${text}" from the process within ${timeoutMs} ms; last lines:\n${p.output().slice(-10).join("\n")}`);
}

/** A scheduler process on NATS `natsUrl` and a free port, once it serves, with a client for it. */
export async function startSchedulerProcess(name: string, natsUrl: string): Promise<{ proc: ServiceProcess; client: SchedulerClient }> {
  const port = await freePort();
  const proc = startService("scheduler", name, { TRAINYARD_NATS_URL: natsUrl, TRAINYARD_GRPC_ADDR: `127.0.0.1:${port}` });
  await waitForLine(proc, "scheduler serving");
  return { proc, client: createTrainyardClient({ baseUrl: `http://127.0.0.1:${port}` }) };
}

/**
 * A nats-server, a scheduler process and one agent process (node `<name>-<pid>`, `slots` slots):
 * for suites that kill the scheduler with -9 mid-test. `restartScheduler()` kills it (SIGKILL)
 * and starts another on the same NATS; `stop()` ends everything and removes the node's containers.
 */
export async function startProcessCluster(name: string, slots: number) {
  await dockerAvailable();
  const nats = await startNats();
  const nodeId = `${name}-${process.pid}`;
  let generation = 1;
  const agent = startService("agent", nodeId, {
    TRAINYARD_NATS_URL: nats.url,
    TRAINYARD_AGENT_ID: nodeId,
    TRAINYARD_AGENT_SLOTS: String(slots),
    TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0",
    TRAINYARD_LOG_DIR: `/tmp/trainyard-tests/${nodeId}`,
  });
  const c = {
    nats,
    nodeId,
    agent,
    scheduler: await startSchedulerProcess(`${name}-scheduler-1`, nats.url),
    async restartScheduler(): Promise<void> {
      c.scheduler.proc.kill("SIGKILL");
      await c.scheduler.proc.exited;
      c.scheduler = await startSchedulerProcess(`${name}-scheduler-${++generation}`, nats.url);
    },
    async stop(): Promise<void> {
      agent.kill("SIGKILL");
      c.scheduler.proc.kill("SIGKILL");
      await nats.stop();
      await removeContainers(`trainyard.node=${nodeId}`);
    },
  };
  await waitForLine(agent, "agent serving");
  return c;
}

export type ProcessCluster = Awaited<ReturnType<typeof startProcessCluster>>;
