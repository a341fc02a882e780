import Docker from "dockerode";
import {
  withDefaultTag,
  type ContainerRuntime,
  type ContainerMount,
  type ContainerSpec,
  type ContainerState,
  type ContainerSummary,
  type LogEntry,
  type PullProgress,
} from "./container-runtime.js";
import { sleep } from "@trainyard/common";
import { stampToSince } from "../core/log-stamps.js";
import { Readable } from "node:stream";
import { demuxAttachBatches } from "./docker-attach.js";
import { demuxLogBatches } from "./docker-demux.js";
import { pullImage } from "./docker-pull.js";
import { messageOf } from "./error-message.js";

/** How often a waited-on container is inspected, and how many failed inspections in a row mean the engine is gone. */
const WAIT_CHECK_MS = 2_000;
const UNREACHABLE_CHECKS = 3;
/** How long after a waited-on container is seen stopped the engine's own wait must have ended. */
const WAIT_END_GRACE_MS = 3_000;

/**
 * ContainerRuntime on the Docker Engine API (dockerode; DOCKER_HOST or the local socket).
 * Task containers run with Tty off (so stdout and stderr stay apart), no network, the
 * json-file log driver (so logs can be re-read from any point: a restarted agent's recovery),
 * and docker-init as PID 1 (so SIGTERM reaches the command). Output is read live from the
 * attach stream, several times faster than the engine's json-file follow.
 */
export class DockerRuntime implements ContainerRuntime {
  constructor(private readonly docker = new Docker()) {}

  async version(): Promise<string> {
    return (await this.docker.version()).Version;
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(withDefaultTag(ref)).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  pull(ref: string, onProgress: (p: PullProgress) => void, signal: AbortSignal): Promise<void> {
    return pullImage(this.docker, ref, onProgress, signal);
  }

  async create(spec: ContainerSpec): Promise<string> {
    const options: Docker.ContainerCreateOptions = {
      name: spec.name,
      Image: withDefaultTag(spec.image),
      ...(spec.command.length ? { Cmd: spec.command } : {}),
      ...(spec.user ? { User: spec.user } : {}),
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      Tty: false,
      OpenStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      HostConfig: {
        NetworkMode: spec.network,
        Privileged: false,
        Init: true,
        SecurityOpt: ["no-new-privileges"],
        CapDrop: ["ALL"],
        CapAdd: spec.capabilities,
        OomScoreAdj: spec.oomScoreAdj,
        ...(spec.readOnlyRootfs ? { ReadonlyRootfs: true, Tmpfs: { "/tmp": "rw,nosuid,nodev" } } : {}),
        NanoCpus: spec.nanoCpus,
        Memory: spec.memoryBytes,
        MemorySwap: spec.memoryBytes > 0 ? spec.memoryBytes : 0,
        PidsLimit: spec.pidsLimit,
        AutoRemove: false,
        LogConfig: { Type: "json-file", Config: { "max-size": "64m", "max-file": "4" } },
        ...(spec.mounts.length ? { Mounts: spec.mounts.map(dockerMount) } : {}),
        ...(spec.gpuIds.length > 0 && spec.gpuMode === "device-requests"
          ? { DeviceRequests: [{ Driver: "nvidia", DeviceIDs: spec.gpuIds, Capabilities: [["gpu"]] }] }
          : {}),
      },
    };
    try {
      return (await this.docker.createContainer(options)).id;
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      // A container of that name is left from an earlier run of this very attempt: replace it.
      await this.remove(spec.name);
      return (await this.docker.createContainer(options)).id;
    }
  }

  async start(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
  }

  async *logs(id: string, opts: { signal: AbortSignal; since?: string }): AsyncGenerator<LogEntry[]> {
    const stream = (await this.docker.getContainer(id).logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      ...(opts.since ? { since: stampToSince(opts.since) } : {}),
      abortSignal: opts.signal,
    })) as unknown as NodeJS.ReadableStream & import("node:stream").Readable;
    const onAbort = () => stream.destroy();
    opts.signal.addEventListener("abort", onAbort, { once: true });
    try {
      yield* demuxLogBatches(stream);
    } finally {
      opts.signal.removeEventListener("abort", onAbort);
      stream.destroy();
    }
  }

  async attach(id: string, signal: AbortSignal): Promise<AsyncIterable<LogEntry[]>> {
    const stream = (await this.docker.getContainer(id).attach({ stream: true, stdout: true, stderr: true, abortSignal: signal })) as unknown as Readable;
    return (async function* () {
      const onAbort = () => stream.destroy();
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        if (!signal.aborted) yield* demuxAttachBatches(stream);
      } finally {
        signal.removeEventListener("abort", onAbort);
        stream.destroy();
      }
    })();
  }

  /**
   * Resolves when the container is no longer running. Docker's wait is a long poll whose
   * connection an engine restart may cut without the request failing, so the container is also
   * inspected every WAIT_CHECK_MS: the wait rejects once the engine has stopped answering for
   * a while (UNREACHABLE_CHECKS in a row), or when the container is seen stopped after the
   * engine failed to answer or while the engine's wait stays open (an engine restart stopped
   * it: not the task's own exit), and resolves when the container ended otherwise.
   */
  async wait(id: string, signal?: AbortSignal): Promise<void> {
    const done = new AbortController();
    const both = signal ? AbortSignal.any([signal, done.signal]) : done.signal;
    const waited = this.docker.getContainer(id).wait({ condition: "not-running", abortSignal: both });
    waited.catch(() => {});
    try {
      await Promise.race([waited, this.watchRunning(id, waited, both)]);
    } finally {
      done.abort();
    }
  }


  private async watchRunning(id: string, waited: Promise<unknown>, signal: AbortSignal): Promise<void> {
    let failures = 0;
    let unreachable = false;
    for (;;) {
      await sleep(WAIT_CHECK_MS, signal).catch(() => {});
      if (signal.aborted) return new Promise(() => {}); // the wait itself settles
      let running: boolean;
      try {
        running = (await this.inspect(id)).running;
      } catch (err) {
        if (statusOf(err) === 404) throw new Error(`container ${id.slice(0, 12)} is gone`, { cause: err });
        unreachable = true;
        if (++failures >= UNREACHABLE_CHECKS) throw new Error(`Docker Engine not answering: ${messageOf(err)}`, { cause: err });
        continue;
      }
      if (running) {
        failures = 0;
        continue;
      }
      if (unreachable) throw new Error("the Docker Engine restarted while the container ran");
      // Stopped. The engine answers its wait as it records the exit, so a wait still open a
      // while after inspect shows the container stopped lost its connection: the engine went
      // away and, back, stopped the container itself (SIGTERM or SIGKILL on its restart).
      const waitEnded = await Promise.race([waited.then(() => true, () => true), sleep(WAIT_END_GRACE_MS, signal).then(() => false, () => true)]);
      if (!waitEnded) throw new Error("the Docker Engine restarted while the container ran");
      return;
    }
  }



  async inspect(id: string): Promise<ContainerState> {
    const s = (await this.docker.getContainer(id).inspect()).State;
    const startedAt = Date.parse(s.StartedAt);
    return { running: s.Running, startedAt: startedAt > 0 ? startedAt : 0, exitCode: s.ExitCode, oomKilled: s.OOMKilled, error: s.Error ?? "" };
  }

  async volumeLabels(name: string): Promise<Record<string, string> | null> {
    try {
      return ((await this.docker.getVolume(name).inspect()).Labels as Record<string, string> | null) ?? {};
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async getArchive(id: string, path: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array> | null> {
    try {
      return (await this.docker.getContainer(id).getArchive({ path, ...(signal ? { abortSignal: signal } : {}) })) as unknown as Readable;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async putArchive(id: string, path: string, tar: AsyncIterable<Uint8Array>): Promise<void> {
    await this.docker.getContainer(id).putArchive(Readable.from(tar), { path });
  }

  async pathExists(id: string, path: string): Promise<boolean> {
    try {
      await this.docker.getContainer(id).infoArchive({ path });
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  async kill(id: string, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    try {
      await this.docker.getContainer(id).kill({ signal });
    } catch (err) {
      const code = statusOf(err);
      if (code !== 409 && code !== 404) throw err; // 409: not running
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const code = statusOf(err);
      if (code === 404) return;
      if (code === 409 && /already in progress/.test(messageOf(err))) return;
      throw err;
    }
  }

  async list(label: string): Promise<ContainerSummary[]> {
    const cs = await this.docker.listContainers({ all: true, filters: { label: [label] } });
    return cs.map((c) => ({ id: c.Id, labels: c.Labels, state: c.State }));
  }
}

/**
 * A mount as the Engine's HostConfig.Mounts takes it. A named volume that does not exist is
 * created by Docker (local driver) with the labels given; an existing one is used as it is.
 */
function dockerMount(m: ContainerMount): Docker.MountSettings {
  const base = { Type: m.type, Source: m.source, Target: m.target, ReadOnly: m.readOnly };
  if (m.type === "bind") return base;
  // Only Labels: the typings require every VolumeOptions field, the Engine does not.
  return { ...base, VolumeOptions: { Labels: m.labels ?? {} } as Docker.MountSettings["VolumeOptions"] };
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}
