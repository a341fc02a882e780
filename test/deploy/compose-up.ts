// Running a compose file for real, with Debian's docker-compose (1.29), for compose-up*.test.ts.
//
// No registry answers here and dockerd runs with --bridge=none, so a stack is the main file plus
// an override (compose-local*.yml): images built locally (scripts/compose-images.sh), every
// service on the host's network listening on 127.0.0.1 on ports picked here. Compose merges the
// two (`docker-compose config`); the merge is written out without the main file's published
// `ports`, the one thing an override cannot take away and that Docker refuses with
// network_mode: host (on the host's network they would mean nothing). Every later command runs
// on that one file, under a project name of its own, so `down -v` leaves nothing behind.
import { execFile } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { vi } from "vitest";
import { parse } from "yaml";
import { repo } from "./compose-file.js";

/** Appends a timed line to $TMPDIR/trainyard-tests/compose-up.log (how long each step took). */
export function note(what: string, since: number): void {
  const dir = path.join(os.tmpdir(), "trainyard-tests");
  mkdirSync(dir, { recursive: true });
  appendFileSync(path.join(dir, "compose-up.log"), `${new Date().toISOString()} ${what}: ${((Date.now() - since) / 1000).toFixed(1)} s\n`);
}

/** Runs a command; resolves with its stdout, rejects with its output in the message. */
export function run(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: repo, env: o.env ?? process.env, timeout: o.timeoutMs ?? 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr.slice(-4000)}`));
      else resolve(stdout);
    });
  });
}

/**
 * Checks that docker-compose runs, then runs scripts/compose-images.sh, which builds
 * trainyard/{nats,scheduler,agent}:local from this machine's binaries and the checkout's dist
 * when missing or stale (seconds when current).
 */
export async function buildLocalImages(): Promise<void> {
  await run("docker-compose", ["version"]).catch((err: Error) => {
    throw new Error(`docker-compose does not run (${err.message.split("\n")[0]}): scripts/setup.sh installs Debian's docker-compose`);
  });
  const t0 = Date.now();
  await run("bash", [path.join(repo, "scripts/compose-images.sh")], { timeoutMs: 280_000 });
  note(`pid ${process.pid} scripts/compose-images.sh`, t0);
}

/**
 * A port free on 127.0.0.1 now, below the kernel's ephemeral range. The services bind it tens of
 * seconds later; a port from the ephemeral range (what binding port 0 gives) may by then be
 * another test's listener or any connection's local port (seen: EADDRINUSE under load).
 */
async function loopbackPort(taken: Set<number>): Promise<number> {
  const [ephemeralLow = 32768] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
  const low = 20_000;
  const high = Math.min(ephemeralLow, 32_768) - 1;
  for (let i = 0; i < 100; i++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen({ port, host: "127.0.0.1", exclusive: true }, () => srv.close(() => resolve(true)));
    });
    if (free) return taken.add(port), port;
  }
  throw new Error(`no free port on 127.0.0.1 in ${low}-${high}`);
}

/** Containers, volumes and networks still labelled with the project (after `down -v`: none). */
export async function leftovers(project: string): Promise<{ containers: string[]; volumes: string[]; networks: string[] }> {
  const ids = async (...args: string[]) => (await run("docker", [...args, "-q", "--filter", `label=com.docker.compose.project=${project}`])).split("\n").filter(Boolean);
  return { containers: await ids("ps", "-a"), volumes: await ids("volume", "ls"), networks: await ids("network", "ls") };
}

const PROJECT = /^trainyard-(compose-up(?:-[a-z]+)?-(\d+)-[a-z0-9]+)$/;

/**
 * Removes what stacks of test processes that no longer exist left behind (a run killed before
 * its afterAll): their containers, volumes and task containers. Stacks of live processes stay.
 */
export async function sweepAbandoned(): Promise<void> {
  const lines = (await run("docker", ["ps", "-a", "--filter", "label=com.docker.compose.project", "--format", '{{.ID}} {{.Label "com.docker.compose.project"}}'])).split("\n");
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "EPERM";
    }
  };
  const abandoned = new Map<string, string[]>();
  for (const line of lines) {
    const [id, project = ""] = line.split(" ");
    const m = PROJECT.exec(project);
    if (!id || !m || alive(Number(m[2]))) continue;
    abandoned.set(project, [...(abandoned.get(project) ?? []), id]);
  }
  for (const [project, ids] of abandoned) {
    const agentId = PROJECT.exec(project)![1]!;
    const tasks = (await run("docker", ["ps", "-aq", "--filter", `label=trainyard.node=${agentId}`])).split("\n").filter(Boolean);
    await run("docker", ["rm", "-fv", ...ids, ...tasks]).catch(() => "");
    const volumes = (await run("docker", ["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${project}`])).split("\n").filter(Boolean);
    if (volumes.length) await run("docker", ["volume", "rm", "-f", ...volumes]).catch(() => "");
  }
}

export interface ComposeStack {
  project: string;
  /** The ports the override's variables were given, by variable name. */
  ports: Record<string, number>;
  agentId: string;
  /** `docker-compose -p <project> -f <merged file> ...args`. */
  compose(...args: string[]): Promise<string>;
  /** What a service's containers wrote on stdout (`docker logs`: much faster than Compose v1's `logs`). */
  logs(service: string): Promise<string>;
  /** `up -d --no-build [services]`; its error says how each container is and what it logged. */
  up(...services: string[]): Promise<void>;
  /** Waits until each service's containers run and pass their healthcheck (a one-shot: exited 0). */
  healthy(services: string[], timeoutMs?: number): Promise<void>;
  /** Each container's name, state and health, one a line, and the last log lines: for failure messages. */
  describe(): Promise<string>;
  /**
   * Saves every container's output to $TMPDIR/trainyard-tests/<name>-services.log, `down -v`, then
   * removes whatever is left under the project's label and the agent's task containers.
   */
  down(): Promise<void>;
}

interface ContainerState {
  Name: string;
  Config: { Labels: Record<string, string> };
  State: { Status: string; ExitCode: number; Health?: { Status: string; Log?: { ExitCode: number; Output: string }[] } };
}

/**
 * Merges `file` and `override` with the given port variables (each a fresh free port) and
 * TRAINYARD_AGENT_ID, and returns the stack (not started).
 */
export async function composeStack(o: { name: string; file: string; override: string; portVars: string[] }): Promise<ComposeStack> {
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const project = `trainyard-${o.name}-${suffix}`;
  const agentId = `${o.name}-${suffix}`;
  if (!PROJECT.test(project)) throw new Error(`project name ${project} would escape sweepAbandoned()`);
  await sweepAbandoned();
  const ports: Record<string, number> = {};
  const taken = new Set<number>();
  for (const v of o.portVars) ports[v] = await loopbackPort(taken);
  const env: NodeJS.ProcessEnv = { ...process.env, TRAINYARD_AGENT_ID: agentId, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
  delete env.COMPOSE_FILE;
  delete env.COMPOSE_PROJECT_NAME;

  const config = await run("docker-compose", ["-p", project, "-f", path.join(repo, o.file), "-f", path.join(repo, o.override), "config"], { env });
  const merged = parse(config) as { services: Record<string, Record<string, unknown>> };
  for (const s of Object.values(merged.services)) delete s.ports;
  const dir = mkdtempSync(path.join(os.tmpdir(), "trainyard-compose-up-"));
  const mergedFile = path.join(dir, "docker-compose.json");
  // Interpolated, with each "$" left written "$$" again by `config` (as Compose reads it).
  writeFileSync(mergedFile, JSON.stringify(merged, null, 2));

  const compose = (...args: string[]) => run("docker-compose", ["-p", project, "-f", mergedFile, "--project-directory", repo, ...args], { env, timeoutMs: 180_000 });

  async function states(): Promise<ContainerState[]> {
    const ids = (await run("docker", ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`])).split("\n").filter(Boolean);
    return ids.length ? (JSON.parse(await run("docker", ["inspect", ...ids])) as ContainerState[]) : [];
  }

  async function describe(): Promise<string> {
    const lines = (await states().catch((): ContainerState[] => [])).map(
      (c) =>
        `${c.Name} ${c.State.Status} exit=${c.State.ExitCode} ${c.State.Health?.Status ?? ""}` +
        (c.State.Health && c.State.Health.Status !== "healthy" ? ` last checks: ${JSON.stringify(c.State.Health.Log?.slice(-2))}` : ""),
    );
    const logs = await compose("logs", "--no-color", "--tail", "15").catch((e: Error) => e.message);
    return `${lines.join("\n")}\n${logs}`;
  }

  /** Each container's stdout and stderr, one after the other, into the suite's services log. */
  async function saveLogs(): Promise<void> {
    const out: string[] = [];
    for (const c of await states()) {
      const [stdout, stderr] = await new Promise<[string, string]>((resolve) =>
        execFile("docker", ["logs", "--timestamps", c.Name.replace(/^\//, "")], { maxBuffer: 64 << 20, timeout: 30_000 }, (_e, so, se) => resolve([so, se])),
      );
      out.push(`=== ${c.Name} (${c.State.Status}, exit ${c.State.ExitCode})`, stdout, stderr);
    }
    const dir = path.join(os.tmpdir(), "trainyard-tests");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${o.name}-services.log`), out.join("\n"));
  }

  return {
    project,
    ports,
    agentId,
    compose,
    describe,
    async logs(service) {
      const filter = ["--filter", `label=com.docker.compose.project=${project}`, "--filter", `label=com.docker.compose.service=${service}`];
      const ids = (await run("docker", ["ps", "-aq", ...filter])).split("\n").filter(Boolean);
      return (await Promise.all(ids.map((id) => run("docker", ["logs", id])))).join("");
    },
    async up(...services) {
      const t0 = Date.now();
      try {
        await compose("up", "-d", "--no-build", ...services);
        note(`${project} up ${services.join(" ")}`, t0);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${await describe()}`);
      }
    },
    async healthy(services, timeoutMs = 150_000) {
      const t0 = Date.now();
      const ok = (c: ContainerState) =>
        c.Config.Labels["com.docker.compose.oneoff"] === "False" &&
        (c.State.Health ? c.State.Status === "running" && c.State.Health.Status === "healthy" : c.State.Status === "exited" && c.State.ExitCode === 0);
      try {
        await vi.waitFor(
          async () => {
            const all = await states();
            const waiting = services.filter((s) => {
              const mine = all.filter((c) => c.Config.Labels["com.docker.compose.service"] === s);
              return mine.length === 0 || !mine.every(ok);
            });
            if (waiting.length) throw new Error(`not healthy yet: ${waiting.join(", ")}`);
          },
          { timeout: timeoutMs, interval: 500 },
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${await describe()}`);
      }
      note(`${project} healthy: ${services.join(" ")}`, t0);
    },
    async down() {
      const t0 = Date.now();
      await saveLogs().catch(() => undefined);
      try {
        await compose("down", "-v", "--remove-orphans", "-t", "20");
      } finally {
        // Whatever `down` could not remove (it failed, or a container was created behind its back).
        const ids = (await run("docker", ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`]).catch(() => "")).split("\n").filter(Boolean);
        if (ids.length) await run("docker", ["rm", "-fv", ...ids]).catch(() => "");
        const tasks = (await run("docker", ["ps", "-aq", "--filter", `label=trainyard.node=${agentId}`]).catch(() => "")).split("\n").filter(Boolean);
        if (tasks.length) await run("docker", ["rm", "-fv", ...tasks]).catch(() => "");
        const volumes = (await run("docker", ["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${project}`]).catch(() => "")).split("\n").filter(Boolean);
        if (volumes.length) await run("docker", ["volume", "rm", "-f", ...volumes]).catch(() => "");
        rmSync(dir, { recursive: true, force: true });
        note(`${project} down -v`, t0);
      }
    },
  };
}
