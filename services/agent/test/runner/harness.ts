/**
 * In-memory stand-ins for running one attempt (runner/run-attempt.ts) on a FakeRuntime, for the
 * runner's and recovery's unit tests:
 *   MemoryRecords    AttemptRecords over maps (tasks, claims, log positions); set(task) and
 *                    delete(id) tell the watchers, as the KV watch does
 *   MemoryPublisher  the JetStream client an AttemptLog publishes through: keeps every frame,
 *                    fails every publish while `failing`
 *   launch(o)        builds the AttemptContext (the same wiring as runner/attempt-host.ts) and
 *                    starts runAttempt; ended() gives the result with what was reported, said
 *                    and published
 * cleanUp() removes the log files and every container a launch's runtime still has: after each
 * case, or after all of a file's cases when they run concurrently (each launch has its own runtime).
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/transport-node";
import { pino } from "pino";
import { Registry } from "prom-client";
import {
  CheckpointCorruptError,
  CheckpointMissingError,
  agentPosition,
  HEADER,
  type AgentEvent,
  type AttemptNote,
  type StopCause,
  type StreamName,
  type TaskRecord,
  type TaskSpec,
} from "@trainyard/common";
import type { CheckpointStore } from "../../src/bus/checkpoints.js";
import type { AttemptRecords, LogPosition } from "../../src/bus/records.js";
import { containerSpec } from "../../src/core/container-spec.js";
import { AttemptLog } from "../../src/logs/attempt-log.js";
import { AgentMetrics } from "../../src/metrics.js";
import { runAttempt, type AttemptResult } from "../../src/runner/run-attempt.js";
import { sayer } from "../../src/runner/say.js";
import { FakeRuntime, type Behaviour, type FakeRuntimeOptions } from "../../src/runtime/fake-runtime.js";
import { spec, task as taskFixture } from "../fixtures.js";

export const NODE = "n1";
export const IMAGE = "trainyard/train:test";

const key = (taskId: string, attempt: number) => `${taskId}.${attempt}`;

/** A CheckpointStore in memory: saves by name, read back checked against the digest (as the object store's is). */
export class MemoryCheckpoints implements CheckpointStore {
  readonly saves = new Map<string, { data: Buffer; digest: string }>();
  /** Makes put throw this (a store that is down). */
  failing?: Error;

  /** How often put was called. */
  puts = 0;

  async put(name: string, tar: AsyncIterable<Uint8Array>): Promise<{ sizeBytes: number; digest: string }> {
    this.puts++;
    if (this.failing) throw this.failing;
    const chunks: Buffer[] = [];
    for await (const b of tar) chunks.push(Buffer.from(b));
    const data = Buffer.concat(chunks);
    const digest = `SHA-256=${createHash("sha256").update(data).digest("base64").replace(/\+/g, "-").replace(/\//g, "_")}`;
    this.saves.set(name, { data, digest });
    return { sizeBytes: data.length, digest };
  }

  async *read(name: string, digest: string): AsyncGenerator<Uint8Array> {
    const s = this.saves.get(name);
    if (!s) throw new CheckpointMissingError(`checkpoint ${name} is not in the object store`);
    if (s.digest !== digest) throw new CheckpointCorruptError(`checkpoint ${name} is not the save the task recorded`);
    yield s.data;
  }
}

/** AttemptRecords in memory. Records are copied in and out, as the KV bucket would. */
export class MemoryRecords implements AttemptRecords {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly claims = new Map<string, string>();
  private readonly positions = new Map<string, LogPosition>();
  private readonly watchers = new Map<string, Set<(t: TaskRecord | null) => void>>();

  /** Stores the record and tells the task's watchers. */
  set(t: TaskRecord): void {
    this.tasks.set(t.id, structuredClone(t));
    for (const w of [...(this.watchers.get(t.id) ?? [])]) w(structuredClone(t));
  }

  /** Deletes the record and tells the task's watchers (null). */
  delete(id: string): void {
    this.tasks.delete(id);
    for (const w of [...(this.watchers.get(id) ?? [])]) w(null);
  }

  claim(taskId: string, attempt: number, nodeId: string): void {
    this.claims.set(key(taskId, attempt), nodeId);
  }

  setPosition(taskId: string, attempt: number, p: LogPosition): void {
    this.positions.set(key(taskId, attempt), p);
  }

  /** How many watches of the task are open. */
  watching(taskId: string): number {
    return this.watchers.get(taskId)?.size ?? 0;
  }

  async task(id: string): Promise<TaskRecord | null> {
    const t = this.tasks.get(id);
    return t ? structuredClone(t) : null;
  }

  async claimHolder(taskId: string, attempt: number): Promise<string | null> {
    return this.claims.get(key(taskId, attempt)) ?? null;
  }

  async logPosition(taskId: string, attempt: number): Promise<LogPosition> {
    return this.positions.get(key(taskId, attempt)) ?? { frame: 0 };
  }

  /** The current record comes right after the watch is set up (as a KV watch's first entry), then every set/delete. */
  async watch(taskId: string, onRecord: (t: TaskRecord | null) => void): Promise<{ stop(): void }> {
    let set = this.watchers.get(taskId);
    if (!set) this.watchers.set(taskId, (set = new Set()));
    const mine = (t: TaskRecord | null) => onRecord(t);
    set.add(mine);
    queueMicrotask(() => {
      if (set.has(mine)) mine(this.tasks.has(taskId) ? structuredClone(this.tasks.get(taskId)!) : null);
    });
    return { stop: () => set.delete(mine) };
  }
}

export interface PublishedFrame {
  subject: string;
  stream: StreamName;
  text: string;
  msgID: string;
  /** The frame number and resume stamp its headers carry (what a restarted agent reads back). */
  position: LogPosition;
}

/** The LOGS stream as an AttemptLog sees it: keeps published frames; fails publishes while `failing`. */
export class MemoryPublisher {
  readonly frames: PublishedFrame[] = [];
  failing = false;
  failures = 0;

  readonly js = {
    publish: async (subject: string, data: Uint8Array, o: { headers: MsgHdrs; msgID: string }) => {
      if (this.failing) {
        this.failures++;
        throw new Error("no responders available for request");
      }
      const stream = (o.headers.get(HEADER.stream) || "system") as StreamName;
      this.frames.push({ subject, stream, text: Buffer.from(data).toString(), msgID: o.msgID, position: agentPosition(o.headers) });
      return { seq: this.frames.length, duplicate: false, stream: "LOGS" };
    },
  } as unknown as JetStreamClient;

  /** The published log, a "<stream> <line>" per line, in order. */
  lines(): string[] {
    return this.frames.flatMap((f) =>
      f.text
        .split("\n")
        .slice(0, -1)
        .map((l) => `${f.stream} ${l}`),
    );
  }

  /** The lines of one stream. */
  linesOf(stream: StreamName): string[] {
    return this.lines()
      .filter((l) => l.startsWith(`${stream} `))
      .map((l) => l.slice(stream.length + 1));
  }
}

export interface LaunchOptions {
  /** What the container does (its command); default {}: exit 0 at once. */
  behaviour?: Behaviour;
  /** Patched over the task's spec (image IMAGE, the behaviour's command). */
  spec?: Partial<TaskSpec>;
  /** The task as given, instead of one built from behaviour and spec (current attempt: `attempt`). */
  task?: TaskRecord;
  attempt?: number;
  runtime?: FakeRuntime;
  records?: MemoryRecords;
  checkpoints?: MemoryCheckpoints;
  allowedHostPaths?: string[];
  reattach?: { containerId: string; resume?: string };
  /** Where the log starts (AttemptLog `from`, a re-attach's position). */
  from?: LogPosition;
  /** The log's publisher (e.g. one already `failing`). */
  publisher?: MemoryPublisher;
  /**
   * How a report goes once kept (default: stored at once). AttemptHost's gives up on all but
   * `finished` when `detach` aborts.
   */
  report?: (e: AgentEvent, detach: AbortSignal) => Promise<void>;
}

/** What one attempt did, once runAttempt returned. */
export interface Ran {
  result: AttemptResult;
  /** Everything reported to the scheduler, in order (notes and progress included). */
  events: AgentEvent[];
  /** Everything said, in order. */
  notes: AttemptNote[];
  /** The published log, "<stream> <line>" per line. */
  log: string[];
  system: string[];
  stdout: string[];
  stderr: string[];
}

export interface Launched {
  readonly task: TaskRecord;
  readonly runtime: FakeRuntime;
  readonly records: MemoryRecords;
  readonly publisher: MemoryPublisher;
  readonly events: AgentEvent[];
  readonly notes: AttemptNote[];
  /** The attempt's container, once it has one. */
  readonly containerId: string | undefined;
  /** The function runAttempt handed onStopper (self-fencing, drain deadlines). */
  stop(cause: StopCause): void;
  /** Agent SIGTERM: aborts `detach`. */
  detach(): void;
  /** The agent's last call: aborts the log's publishing retries (AttemptHost's lastCall). */
  giveUpPublishing(): void;
  ended(): Promise<Ran>;
}

const dirs: string[] = [];
const runtimes = new Set<FakeRuntime>();

/** A task whose current attempt `attempt` is RUNNING on NODE, its container acting out `b`. */
export function runningTask(b: Behaviour = {}, patch: Partial<TaskSpec> = {}, attempt = 1): TaskRecord {
  const t = taskFixture("RUNNING", attempt, {}, spec({ image: IMAGE, command: FakeRuntime.command(b), stopGraceMs: 1_000, ...patch }));
  t.attempts[attempt - 1]!.nodeId = NODE;
  return t;
}

/** A FakeRuntime with IMAGE present, its containers removed by cleanUp(). */
export function fakeRuntime(o: Omit<FakeRuntimeOptions, "images"> = {}): FakeRuntime {
  const r = new FakeRuntime({ ...o, images: [IMAGE] });
  runtimes.add(r);
  return r;
}

/** Creates (and unless `created`, starts) the container of `attempt` of `t` on NODE, as a runner would have. */
export async function containerFor(runtime: FakeRuntime, t: TaskRecord, attempt: number, o: { created?: boolean; node?: string } = {}): Promise<string> {
  const id = await runtime.create(containerSpec(t, attempt, o.node ?? NODE, 0));
  if (!o.created) await runtime.start(id);
  return id;
}

/** The containers still there (not removed). */
export function leftover(runtime: FakeRuntime) {
  return runtime.containers().filter((c) => !c.removed);
}

/** Starts runAttempt on a FakeRuntime with in-memory records and publisher; returns at once. */
export async function launch(o: LaunchOptions = {}): Promise<Launched> {
  const attempt = o.attempt ?? 1;
  const task = o.task ?? runningTask(o.behaviour, o.spec, attempt);
  const runtime = o.runtime ?? fakeRuntime();
  runtimes.add(runtime);
  const records = o.records ?? new MemoryRecords();
  if (!o.records) records.set(task);
  const publisher = o.publisher ?? new MemoryPublisher();
  const dir = await mkdtemp(join(tmpdir(), "trainyard-runner-"));
  dirs.push(dir);
  const detach = new AbortController();
  const lastCall = new AbortController();
  const events: AgentEvent[] = [];
  const notes: AttemptNote[] = [];
  const logger = pino({ level: "silent" });
  const report = async (e: AgentEvent) => {
    events.push(e);
    await o.report?.(e, detach.signal);
  };
  const log = new AttemptLog({
    js: publisher.js,
    taskId: task.id,
    attempt,
    nodeId: NODE,
    filePath: join(dir, task.id, `attempt-${attempt}.log`),
    fileMaxBytes: 1 << 20,
    fileKeep: 1,
    logger,
    signal: lastCall.signal,
    ...(o.from ? { from: o.from } : {}),
  });
  const say = sayer(log, report, { taskId: task.id, attempt, nodeId: NODE });
  let containerId: string | undefined;
  let stopper: ((cause: StopCause) => void) | undefined;
  const done = runAttempt({
    task,
    attempt,
    nodeId: NODE,
    gpuMode: "env",
    runtime,
    records,
    checkpoints: o.checkpoints ?? new MemoryCheckpoints(),
    log,
    logger,
    pidsLimit: 0,
    allowedHostPaths: o.allowedHostPaths ?? [],
    metrics: new AgentMetrics(new Registry(), { total: 1, inUse: () => 1 }),
    report,
    say: (n) => {
      notes.push(n);
      say(n);
    },
    detach: detach.signal,
    ...(o.reattach ? { reattach: o.reattach } : {}),
    onContainer: (id) => (containerId = id),
    onStopper: (s) => (stopper = s),
  });
  return {
    task,
    runtime,
    records,
    publisher,
    events,
    notes,
    get containerId() {
      return containerId;
    },
    stop: (cause) => stopper!(cause),
    detach: () => detach.abort(),
    giveUpPublishing: () => lastCall.abort(),
    async ended() {
      const result = await done;
      return {
        result,
        events,
        notes,
        log: publisher.lines(),
        system: publisher.linesOf("system"),
        stdout: publisher.linesOf("stdout"),
        stderr: publisher.linesOf("stderr"),
      };
    },
  };
}

/** launch(o), then its end. */
export async function run(o: LaunchOptions = {}): Promise<Ran & { launched: Launched }> {
  const launched = await launch(o);
  return { ...(await launched.ended()), launched };
}

/** "type" per event, "type kind" for notes and progress: the order of what was reported. */
export function eventKinds(events: readonly AgentEvent[]): string[] {
  return events.map((e) => (e.type === "note" || e.type === "progress" ? `${e.type} ${e.note.kind}` : e.type));
}

/** The outcome of the last event, which must be `finished`. */
export function finished(events: readonly AgentEvent[]) {
  const last = events.at(-1);
  if (last?.type !== "finished") throw new Error(`the last event is ${last?.type ?? "none"}, not finished`);
  return last;
}

/** Removes the log files and every container left on the runtimes launched on (afterEach, or afterAll for concurrent cases). */
export async function cleanUp(): Promise<void> {
  for (const r of runtimes) {
    if (!r.engineIsUp) r.engineUp();
    for (const c of leftover(r)) await r.remove(c.id);
  }
  runtimes.clear();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}
