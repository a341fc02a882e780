#!/usr/bin/env node
// `npm run dev`: a whole single-host Trainyard, the way `nomad agent -dev` works:
// a child `nats-server -js` with its store under .trainyard/nats, a scheduler and an agent,
// each a child process configured by the usual TRAINYARD_* variables. Output is prefixed and
// made readable. Ctrl-C (SIGINT) or SIGTERM stops them all: agent, scheduler, then NATS.
// Needs `npm run build` and Debian's nats-server (scripts/setup.sh does both).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const state = process.env.TRAINYARD_STATE_DIR ?? path.join(repo, ".trainyard");
const natsUrl = process.env.TRAINYARD_NATS_URL ?? "nats://127.0.0.1:4222";
const natsPort = Number(new URL(natsUrl.split(",")[0]).port || 4222);
const grpcAddr = process.env.TRAINYARD_GRPC_ADDR ?? "127.0.0.1:50051";
const env = {
  ...process.env,
  TRAINYARD_NATS_URL: natsUrl,
  TRAINYARD_GRPC_ADDR: grpcAddr,
  TRAINYARD_LOG_DIR: process.env.TRAINYARD_LOG_DIR ?? path.join(state, "logs"),
  TRAINYARD_AGENT_ID: process.env.TRAINYARD_AGENT_ID ?? "dev-agent",
};
const children = [];
let stopping = false;

mkdirSync(path.join(state, "nats"), { recursive: true });
writeFileSync(path.join(state, "dev.pid"), String(process.pid));

if (await portOpen(natsPort)) die(`port ${natsPort} is taken: is another NATS (or npm run dev) running? Set TRAINYARD_NATS_URL to use another port.`);
const natsBin = ["/usr/sbin/nats-server", "/usr/bin/nats-server"].find((p) => existsSync(p)) ?? "nats-server";
const natsLog = path.join(state, "nats.log");
start("nats", natsBin, ["-js", "-a", "127.0.0.1", "-p", String(natsPort), "-sd", path.join(state, "nats"), "-l", natsLog]);
console.log(`[nats     ] nats-server -js on 127.0.0.1:${natsPort}, store ${path.join(state, "nats")}, log ${natsLog}`);
await waitFor(() => portOpen(natsPort), "nats-server");
start("scheduler", process.execPath, [path.join(repo, "services/scheduler/dist/main.js")]);
start("agent", process.execPath, [path.join(repo, "services/agent/dist/main.js")]);
const [host, port] = grpcAddr.split(/:(?=\d+$)/);
await waitFor(() => portOpen(Number(port), host === "0.0.0.0" ? "127.0.0.1" : host), "scheduler");
console.log(`\n  Trainyard is up: scheduler http://${grpcAddr} (gRPC, h2c), agent ${env.TRAINYARD_AGENT_GRPC_ADDR ?? "127.0.0.1:50052"}, NATS ${natsUrl}, state ${state}\n`);

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

function start(name, cmd, args) {
  const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  children.push({ name, child });
  for (const s of [child.stdout, child.stderr]) readline.createInterface({ input: s }).on("line", (l) => print(name, l));
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`[dev] ${name} exited (${signal ?? code}); stopping everything`);
    stop(1);
  });
  child.on("error", (err) => die(`cannot start ${name} (${cmd}): ${err.message}`));
}

function print(name, line) {
  let text = line;
  try {
    const j = JSON.parse(line);
    const { level, time, msg, pid, hostname, name: _n, ...rest } = j;
    const lv = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" }[level] ?? level;
    const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`);
    text = `${new Date(time).toISOString().slice(11, 23)} ${lv} ${msg} ${fields.join(" ")}`;
  } catch {
    /* not JSON: nats-server's own lines */
  }
  console.log(`[${name.padEnd(9)}] ${text}`);
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const { name, child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await new Promise((r) => child.once("exit", r));
    clearTimeout(t);
    console.log(`[dev] ${name} stopped`);
  }
  // Only our own pid file: a newer dev started meanwhile has written its own.
  const pidFile = path.join(state, "dev.pid");
  if (existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() === String(process.pid)) rmSync(pidFile, { force: true });
  process.exit(code);
}

function die(message) {
  console.error(`[dev] ${message}`);
  stop(1).finally(() => process.exit(1));
}

function portOpen(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

async function waitFor(check, what, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (stopping) return;
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  die(`${what} did not come up within ${ms / 1000}s`);
}
