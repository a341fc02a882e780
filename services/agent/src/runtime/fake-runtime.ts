// FakeRuntime: a ContainerRuntime in memory, for unit tests of the runner and for benchmarks
// that run many simulated agents. Never a stand-in for Docker in integration tests.
//
// Scripted by the test:
//   containers  through their command: FakeRuntime.command(behaviour) (fake-behaviour.ts)
//   images      new FakeRuntime({ images }), addImage(ref); pulls by scriptPull(ref, script):
//               succeed (progress, then the image is there), fail (ImagePullError, permanent
//               or not), hang (until aborted). An unscripted pull fails permanent, like
//               Docker's 404 for a manifest the registry does not have.
//   the engine  engineDown(): every call rejects like an unreachable socket, pending waits
//               reject as DockerRuntime's do ("Docker Engine not answering"; at once, where
//               DockerRuntime takes its ~6 s of checks), pending log follows throw, pending
//               pulls fail transient. Containers run on meanwhile. engineUp(): back, having stopped
//               the containers that ran (SIGTERM by default: 143, or 137 for one that ignores
//               it; dockerd's stop timeout is not waited), as dockerd does on its restart.
//
// Docker's semantics the runner relies on, and the contract suite
// (services/agent/test/runtime/contract.ts) holds both to: create replaces a leftover of the
// same name; kill and remove of a missing or stopped container are not errors; logs come in
// order in batches with strictly increasing stamps, from the entry stamped `since` (included),
// following until the container stops; attach (before start) gets the same entries, unstamped;
// list finds containers in any state; a volume a mount names is created, with the mount's
// labels, at create.
//
// Cost: no polling; a container holds at most one timer (fake-container.ts). Introspection:
// containers(), container(), calls, volumes.
import { createHash } from "node:crypto";
import { stampNs } from "../core/log-stamps.js";
import { encodeBehaviour, decodeBehaviour, type Behaviour } from "./fake-behaviour.js";
import { atOrAfter, FakeContainer, LogClock, type FakeSignal } from "./fake-container.js";
import { engineError, engineLost, FakeEngine, unreachable } from "./fake-engine.js";
import { runPull, type PullScript } from "./fake-pull.js";
import {
  withDefaultTag,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ContainerSummary,
  type LogEntry,
  type PullProgress,
} from "./container-runtime.js";

export type { Behaviour, OutputStep } from "./fake-behaviour.js";
export type { PullScript } from "./fake-pull.js";
export type { FakeContainer, FakeSignal } from "./fake-container.js";

export interface FakeRuntimeOptions {
  /** Images present from the start. */
  images?: string[];
  /** Epoch ms, for start times and log stamps (default Date.now). */
  now?: () => number;
  /** Record every call in `calls` (default true; off for long benchmarks). */
  recordCalls?: boolean;
}

export interface FakeCall {
  op: keyof ContainerRuntime;
  /** The container, image, label or volume it was about. */
  arg: string;
}

export class FakeRuntime implements ContainerRuntime {
  /** The command that makes a FakeRuntime container act out `b`. */
  static command(b: Behaviour): string[] {
    return encodeBehaviour(b);
  }

  readonly calls: FakeCall[] = [];
  /** Checkpoints: what getArchive gives for a path (any container), the paths that do not exist, and every putArchive. */
  readonly archives = new Map<string, Buffer>();
  readonly missingPaths = new Set<string>();
  readonly puts: { id: string; path: string; data: Buffer }[] = [];
  /** Named volumes and their labels. */
  readonly volumes = new Map<string, Record<string, string>>();
  private readonly clock: LogClock;
  private readonly recordCalls: boolean;
  private readonly images = new Set<string>();
  private readonly pulls = new Map<string, PullScript>();
  private readonly all: FakeContainer[] = [];
  private readonly live = new Map<string, FakeContainer>();
  private readonly names = new Map<string, FakeContainer>();
  private readonly engine = new FakeEngine();
  private seq = 0;

  constructor(o: FakeRuntimeOptions = {}) {
    this.clock = new LogClock(o.now ?? Date.now);
    this.recordCalls = o.recordCalls ?? true;
    for (const ref of o.images ?? []) this.addImage(ref);
  }

  addImage(ref: string): void {
    this.images.add(withDefaultTag(ref));
  }

  scriptPull(ref: string, script: PullScript): void {
    this.pulls.set(withDefaultTag(ref), script);
  }

  engineDown(): void {
    this.engine.goDown();
  }

  engineUp(o: { stoppedContainers?: FakeSignal } = {}): void {
    this.engine.comeUp();
    for (const c of this.live.values()) {
      if (!c.running) continue;
      c.signal(o.stoppedContainers ?? "SIGTERM");
      c.signal("SIGKILL"); // the stop timeout over: a container ignoring SIGTERM still stops
    }
  }

  get engineIsUp(): boolean {
    return !this.engine.down;
  }

  async getArchive(id: string, path: string): Promise<AsyncIterable<Uint8Array> | null> {
    this.get(id);
    const data = this.archives.get(path);
    return data ? (async function* () {
      yield data;
    })() : null;
  }

  async putArchive(id: string, path: string, tar: AsyncIterable<Uint8Array>): Promise<void> {
    const c = this.get(id);
    const chunks: Buffer[] = [];
    for await (const b of tar) chunks.push(Buffer.from(b));
    this.puts.push({ id: c.id, path, data: Buffer.concat(chunks) });
  }

  async pathExists(id: string, path: string): Promise<boolean> {
    this.get(id);
    return !this.missingPaths.has(path);
  }

  /** Every container ever created, in order, removed ones included (their logs dropped). */
  containers(): readonly FakeContainer[] {
    return this.all;
  }

  /** The live container with this id or name. */
  container(idOrName: string): FakeContainer | undefined {
    return this.live.get(idOrName) ?? this.names.get(idOrName);
  }

  async version(): Promise<string> {
    this.enter("version", "");
    return "fake";
  }

  async hasImage(ref: string): Promise<boolean> {
    this.enter("hasImage", ref);
    return this.images.has(withDefaultTag(ref));
  }

  async pull(ref: string, onProgress: (p: PullProgress) => void, signal: AbortSignal): Promise<void> {
    const image = withDefaultTag(ref);
    this.record("pull", image);
    const script = this.pulls.get(image) ?? { outcome: "fail", permanent: true, message: `manifest for ${image} not found: manifest unknown: manifest unknown` };
    await runPull(this.engine, script, image, onProgress, signal);
    this.images.add(image);
  }

  async create(spec: ContainerSpec): Promise<string> {
    this.enter("create", spec.name);
    const behaviour = decodeBehaviour(spec.command);
    const image = withDefaultTag(spec.image);
    if (!this.images.has(image)) throw engineError(404, `No such image: ${image}`);
    if (behaviour.createError) throw engineError(400, behaviour.createError);
    const leftover = this.names.get(spec.name);
    if (leftover) this.drop(leftover);
    for (const m of spec.mounts) {
      if (m.type === "volume" && !this.volumes.has(m.source)) this.volumes.set(m.source, { ...m.labels });
    }
    const id = createHash("sha256").update(`fake-container-${++this.seq}`).digest("hex");
    const c = new FakeContainer(id, spec, behaviour, this.clock);
    this.all.push(c);
    this.live.set(id, c);
    this.names.set(spec.name, c);
    return id;
  }

  async start(id: string): Promise<void> {
    this.enter("start", id);
    this.get(id).start();
  }

  logs(id: string, opts: { signal: AbortSignal; since?: string }): AsyncIterable<LogEntry[]> {
    this.record("logs", id);
    return this.follow(id, opts.signal, opts.since);
  }

  async attach(id: string, signal: AbortSignal): Promise<AsyncIterable<LogEntry[]>> {
    this.enter("attach", id);
    const c = this.get(id);
    return this.stream(c, c.entries.length, signal, true);
  }

  async wait(id: string, signal?: AbortSignal): Promise<void> {
    this.enter("wait", id);
    const c = this.get(id);
    for (;;) {
      signal?.throwIfAborted();
      if (!c.running) return;
      if ((await this.engine.until({ container: c, signal })) === "lost") throw engineLost();
    }
  }

  async inspect(id: string): Promise<ContainerState> {
    this.enter("inspect", id);
    return this.get(id).inspect();
  }

  async volumeLabels(name: string): Promise<Record<string, string> | null> {
    this.enter("volumeLabels", name);
    const labels = this.volumes.get(name);
    return labels ? { ...labels } : null;
  }

  async kill(id: string, signal: FakeSignal): Promise<void> {
    this.enter("kill", id);
    this.container(id)?.signal(signal);
  }

  async remove(id: string): Promise<void> {
    this.enter("remove", id);
    const c = this.container(id);
    if (c) this.drop(c);
  }

  async list(label: string): Promise<ContainerSummary[]> {
    this.enter("list", label);
    const eq = label.indexOf("=");
    const key = eq < 0 ? label : label.slice(0, eq);
    const value = eq < 0 ? undefined : label.slice(eq + 1);
    return [...this.live.values()]
      .filter((c) => key in c.spec.labels && (value === undefined || c.spec.labels[key] === value))
      .map((c) => ({ id: c.id, labels: { ...c.spec.labels }, state: c.state }));
  }

  private async *follow(id: string, signal: AbortSignal, since?: string): AsyncGenerator<LogEntry[]> {
    this.engine.check();
    const c = this.get(id);
    const from = since === undefined ? undefined : stampNs(since);
    if (from === null) throw engineError(400, `not a log timestamp: ${since}`);
    const i = from === undefined ? 0 : c.entryAt.findIndex((at) => atOrAfter(at.ms, at.sub, from));
    yield* this.stream(c, i < 0 ? c.entries.length : i, signal, false);
  }

  /** The container's entries from index `i` on, following until it stops; `bare`: without stamps (attach). */
  private async *stream(c: FakeContainer, i: number, signal: AbortSignal, bare: boolean): AsyncGenerator<LogEntry[]> {
    for (;;) {
      if (signal.aborted) return;
      if (i < c.entries.length) {
        const batch = c.entries.slice(i);
        i = c.entries.length;
        yield bare ? batch.map(({ stream, time, data }) => ({ stream, time, data })) : batch;
        continue;
      }
      // An attach made before the start waits for it.
      if (!c.running && !(bare && c.state === "created" && !c.removed)) return;
      if ((await this.engine.until({ container: c, signal })) === "lost") throw unreachable();
    }
  }

  private drop(c: FakeContainer): void {
    c.remove();
    this.live.delete(c.id);
    if (this.names.get(c.name) === c) this.names.delete(c.name);
  }

  private get(id: string): FakeContainer {
    const c = this.container(id);
    if (!c) throw engineError(404, `No such container: ${id}`);
    return c;
  }

  private enter(op: keyof ContainerRuntime, arg: string): void {
    this.record(op, arg);
    this.engine.check();
  }

  private record(op: keyof ContainerRuntime, arg: string): void {
    if (this.recordCalls) this.calls.push({ op, arg });
  }
}
