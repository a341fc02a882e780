// Test harness: a private Docker Engine (its own dockerd, containerd, data and socket under a
// temp dir) that a fault test may kill and restart without touching the engine every other
// suite shares. Same flags as scripts/setup.sh: no bridge, no iptables.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { dockerRequest } from "./docker.js";

export interface PrivateDockerd {
  /** DOCKER_HOST for it: unix://<dir>/docker.sock */
  readonly host: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same socket and data (after kill). */
  restart(): Promise<void>;
  /** Copies an image from the shared engine (docker save | docker load). */
  loadImage(ref: string): void;
  stop(): Promise<void>;
}

export async function startDockerd(): Promise<PrivateDockerd> {
  // Short path: the containerd socket lives under it and unix socket paths are limited to ~107 bytes.
  const dir = mkdtempSync("/tmp/tyd-");
  const host = `unix://${dir}/docker.sock`;
  const logFile = createWriteStream(path.join(dir, "dockerd.log"), { flags: "a" });
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(
      "dockerd",
      ["--bridge=none", "--iptables=false", "--ip6tables=false", "-H", host, "--data-root", `${dir}/data`, "--exec-root", `${dir}/x`, "--pidfile", `${dir}/docker.pid`],
      { cwd: "/", stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.pipe(logFile, { end: false });
    child.stderr!.pipe(logFile, { end: false });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await dockerRequest("GET", "/_ping", undefined, 2_000, host).then((r) => r.status === 200, () => false);
      if (ok) return;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`private dockerd did not answer; see ${dir}/dockerd.log`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    await gone;
    // Its containerd goes down by itself; a new dockerd cannot start its own until then.
    const pid = Number(readFileIfAny(`${dir}/x/containerd/containerd.pid`));
    for (let i = 0; pid > 0 && existsSync(`/proc/${pid}`) && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
  };

  await start();
  return {
    host,
    kill,
    restart: start,
    loadImage(ref) {
      execFileSync("bash", ["-o", "pipefail", "-c", `docker save "$1" | docker -H "$2" load -q`, "load", ref, host], { stdio: ["ignore", "ignore", "pipe"] });
    },
    async stop() {
      await kill("SIGTERM");
      logFile.end();
      // dockerd leaves its data root and network namespaces mounted: unmount them, then remove.
      for (const mp of mountsUnder(dir)) spawnSync("umount", ["-l", mp], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

function readFileIfAny(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

/** Mount points at or under `dir`, deepest first (/proc/mounts escapes spaces as \\040). */
function mountsUnder(dir: string): string[] {
  return readFileIfAny("/proc/mounts")
    .split("\n")
    .map((l) => (l.split(" ")[1] ?? "").replace(/\\040/g, " "))
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}
