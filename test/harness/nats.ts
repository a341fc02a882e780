// Test harness: a private nats-server (with JetStream) per caller, on a random loopback port.
// Test-framework agnostic; uses only node built-ins. Needs Debian's `nats-server` package
// (scripts/setup.sh installs it). Set NATS_SERVER_BIN to use another binary.
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, createWriteStream, mkdirSync, mkdtempSync, rmSync, type WriteStream } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";

export interface StartNatsOptions {
  /** JetStream store dir. Kept on stop(). Default: a fresh temp dir, removed on stop(). */
  storeDir?: string;
  /** Client port on 127.0.0.1. Default: a free random port. */
  port?: number;
  /** How long to wait for the server to be ready, per start. Default 20 s. */
  startTimeoutMs?: number;
  /** Extra nats-server arguments. */
  extraArgs?: string[];
}

export interface NatsServer {
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** nats-server's stdout+stderr, appended across restarts (inside storeDir). */
  readonly logFile: string;
  /** pid of the current process (undefined before start / after stop). */
  readonly pid: number | undefined;
  /** True while the current process has not exited. */
  readonly running: boolean;
  /** Terminates the server (SIGTERM, then SIGKILL after 10 s) and removes a temp storeDir. Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL) and returns at once: for fault tests. Follow with restart() or stop(). */
  kill(signal?: NodeJS.Signals): void;
  /** Stops the server if running (gracefully), then starts it again on the same port and store. */
  restart(): Promise<void>;
}

const HOST = "127.0.0.1";
const READY_LINE = "Server is ready";
const JS_LINE = "Starting JetStream";

const live = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test forgot stop(): no nats-server outlives the test process.
  // Vitest ends its fork workers with SIGTERM, where "exit" alone would not run.
  const cleanup = () => {
    for (const p of live) {
      try {
        p.kill("SIGKILL");
      } catch {
        /* already gone */
      }
    }
    live.clear();
    for (const d of ownedDirs) rmSync(d, { recursive: true, force: true });
    ownedDirs.clear();
  };
  process.once("exit", cleanup);
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    const onSignal = () => {
      cleanup();
      process.off(sig, onSignal);
      // Keep the default behaviour (die by this signal) unless someone else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Absolute path of the nats-server binary; throws a clear error if it is not installed. */
export function findNatsServer(): string {
  const env = process.env.NATS_SERVER_BIN;
  const candidates = env
    ? [env]
    : [
        ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, "nats-server")),
        // Debian installs it in /usr/sbin, which a non-root PATH often lacks.
        "/usr/sbin/nats-server",
        "/usr/local/sbin/nats-server",
      ];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  throw new Error(
    env
      ? `NATS_SERVER_BIN=${env} is not an executable file`
      : "nats-server is not installed (looked in PATH and /usr/sbin): run scripts/setup.sh",
  );
}

/** A port on 127.0.0.1 that was free a moment ago (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen({ port: 0, host: HOST, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close((err) => (err ? reject(err) : port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** Connects with a raw TCP socket and returns the server's parsed INFO line. */
export function readNatsInfo(port: number, host = HOST, timeoutMs = 5000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host });
    let buf = "";
    const done = (err: Error | null, info?: Record<string, unknown>) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(info!);
    };
    const timer = setTimeout(() => done(new Error(`no INFO from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    sock.setEncoding("utf8");
    sock.on("data", (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf("\r\n");
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      if (!line.startsWith("INFO ")) return done(new Error(`expected INFO from ${host}:${port}, got: ${line.slice(0, 200)}`));
      try {
        done(null, JSON.parse(line.slice(5)) as Record<string, unknown>);
      } catch (e) {
        done(new Error(`bad INFO JSON from ${host}:${port}: ${(e as Error).message}`));
      }
    });
    sock.on("error", (e) => done(e));
    sock.on("close", () => done(new Error(`connection to ${host}:${port} closed before INFO`)));
  });
}

class PortInUseError extends Error {
  readonly code = "EADDRINUSE";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitExit(p: ChildProcess, ms: number): Promise<boolean> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      p.off("exit", onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(t);
      resolve(true);
    };
    p.once("exit", onExit);
  });
}

function closeLog(out: WriteStream): Promise<void> {
  if (out.writableFinished || out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    out.once("finish", () => resolve());
    out.once("error", () => resolve());
    if (!out.writableEnded) out.end();
  });
}

async function terminate(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill("SIGTERM");
  if (await waitExit(p, 10_000)) return;
  p.kill("SIGKILL");
  await waitExit(p, 10_000);
}

export async function startNats(opts: StartNatsOptions = {}): Promise<NatsServer> {
  const bin = findNatsServer();
  installExitHook();
  const ownDir = opts.storeDir === undefined;
  const storeDir = opts.storeDir ?? mkdtempSync(path.join(os.tmpdir(), "trainyard-nats-"));
  if (ownDir) ownedDirs.add(storeDir);
  else mkdirSync(storeDir, { recursive: true });
  const logFile = path.join(storeDir, "nats-server.log");
  const timeoutMs = opts.startTimeoutMs ?? 20_000;

  let proc: ChildProcess | undefined;
  let log: WriteStream | undefined;
  let stopped = false;

  const launch = async (port: number): Promise<void> => {
    const args = ["-js", "-a", HOST, "-p", String(port), "-sd", storeDir, ...(opts.extraArgs ?? [])];
    const out = createWriteStream(logFile, { flags: "a" });
    out.on("error", () => {}); // a log write failure must not crash the test process
    out.write(`# ${new Date().toISOString()} ${bin} ${args.join(" ")}\n`);
    const p = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    live.add(p);
    p.unref();
    proc = p;
    log = out;
    let text = "";
    for (const s of [p.stdout!, p.stderr!]) {
      (s as unknown as net.Socket).unref?.();
      s.setEncoding("utf8");
      s.on("data", (chunk: string) => {
        if (!out.writableEnded) out.write(chunk);
        if (text.length < 256 * 1024) text += chunk;
      });
    }
    p.once("exit", () => {
      live.delete(p);
      // Let the pipes drain into the log before closing it.
      setTimeout(() => void closeLog(out), 50);
    });

    const tail = () => text.split("\n").slice(-15).join("\n");
    const deadline = Date.now() + timeoutMs;
    let spawnError: Error | undefined;
    p.once("error", (e) => (spawnError = e));
    for (;;) {
      if (spawnError) throw new Error(`cannot run ${bin}: ${spawnError.message}`);
      if (p.exitCode !== null || p.signalCode !== null) {
        await sleep(50); // collect the last output
        if (/address already in use/i.test(text)) throw new PortInUseError(`port ${port} is in use`);
        throw new Error(
          `nats-server exited during startup (code ${p.exitCode}, signal ${p.signalCode}); log ${logFile}:\n${tail()}`,
        );
      }
      if (text.includes(JS_LINE) && text.includes(READY_LINE)) {
        try {
          const info = await readNatsInfo(port, HOST, 2000);
          if (info.jetstream === true) return;
        } catch {
          /* not accepting yet */
        }
      }
      if (Date.now() > deadline) {
        await terminate(p);
        throw new Error(`nats-server on ${HOST}:${port} not ready with JetStream within ${timeoutMs} ms; log ${logFile}:\n${tail()}`);
      }
      await sleep(25);
    }
  };

  let port = opts.port ?? 0;
  try {
    if (opts.port !== undefined) {
      await launch(port);
    } else {
      // freePort() then spawn is racy: on EADDRINUSE pick another port.
      for (let attempt = 1; ; attempt++) {
        port = await freePort();
        try {
          await launch(port);
          break;
        } catch (e) {
          if (!(e instanceof PortInUseError) || attempt >= 5) throw e;
        }
      }
    }
  } catch (e) {
    if (log) await closeLog(log);
    if (ownDir) {
      rmSync(storeDir, { recursive: true, force: true });
      ownedDirs.delete(storeDir);
    }
    throw e;
  }

  const server: NatsServer = {
    url: `nats://${HOST}:${port}`,
    port,
    storeDir,
    logFile,
    get pid() {
      return proc && proc.exitCode === null && proc.signalCode === null ? proc.pid : undefined;
    },
    get running() {
      return !!proc && proc.exitCode === null && proc.signalCode === null;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (proc) await terminate(proc);
      if (log) await closeLog(log);
      if (ownDir) {
        rmSync(storeDir, { recursive: true, force: true });
        ownedDirs.delete(storeDir);
      }
    },
    kill(signal: NodeJS.Signals = "SIGKILL") {
      if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    async restart() {
      if (stopped) throw new Error("restart() after stop()");
      if (proc) await terminate(proc);
      // The port is fixed now: retry briefly if the old socket has not been released yet.
      for (let attempt = 1; ; attempt++) {
        try {
          await launch(port);
          return;
        } catch (e) {
          if (!(e instanceof PortInUseError) || attempt >= 20) throw e;
          await sleep(250);
        }
      }
    },
  };
  return server;
}

/**
 * Writes a heartbeat for node `id` as an agent would (pools, slots, a long lease), without an
 * agent behind it: the placer places work there and the scheduler makes its dispatch consumer,
 * but nothing pulls until a real agent starts with that id.
 */
export async function fakeHeartbeat(natsUrl: string, id: string, pools: string[], leaseMs = 60_000): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const kv = await new Kvm(nc).open("nodes");
    const now = Date.now();
    await kv.put(id, JSON.stringify({ id, pools, slots: 1, gpus: 0, leaseMs, startTime: now, heartbeatTime: now, draining: false, running: [] }));
  } finally {
    await nc.close();
  }
}
