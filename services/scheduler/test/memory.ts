/**
 * In-memory stand-ins for the scheduler's roles (task store with compare-and-set, system log,
 * idempotency keys, log reader), and a whole SchedulerService over createRouterTransport with
 * the same error boundary as the real server. For fast handler tests; the integration suites
 * run the same handlers on NATS.
 */
import { createClient, createRouterTransport, type Client, type Interceptor } from "@connectrpc/connect";
import { pino } from "pino";
import { Registry } from "prom-client";
import { SchedulerService } from "@trainyard/client";
import { authInterceptor, ConflictError, type AuthConfig, type LogFrame, type TaskRecord } from "@trainyard/common";
import { errorInterceptor } from "@trainyard/common/grpc/index";
import type { SchedulerDeps } from "../src/deps.js";
import type { LogReader, StreamLogsOptions } from "../src/logs/log-reader.js";
import { SchedulerMetrics } from "../src/metrics.js";
import { NO_POLICY, type ResourcePolicy } from "../src/core/resources.js";
import { schedulerRoutes } from "../src/routes.js";
import { createApplier, type SystemLog } from "../src/store/applier.js";
import type { IdempotencyKeys } from "../src/store/idempotency.js";
import type { RecordWatch, StoredTask, TaskStore } from "../src/store/task-store.js";
import { NodeView } from "../src/store/node-view.js";
import { QueuePositions } from "../src/store/queue-positions.js";
import { TaskView } from "../src/store/task-view.js";

export class MemoryTaskStore implements TaskStore {
  readonly records = new Map<string, StoredTask>();
  private revision = 0;
  private readonly watchers = new Set<(id: string, t: TaskRecord | null) => void>();

  async get(id: string): Promise<StoredTask | null> {
    return this.records.get(id) ?? null;
  }

  async create(task: TaskRecord): Promise<number> {
    if (this.records.has(task.id)) throw new ConflictError(`task ${task.id} already exists`);
    return this.put(task);
  }

  async update(task: TaskRecord, revision: number): Promise<number> {
    if (this.records.get(task.id)?.revision !== revision) throw new ConflictError(`task ${task.id} changed since revision ${revision}`);
    return this.put(task);
  }

  async watch(id: string): Promise<RecordWatch> {
    const queue: (TaskRecord | null)[] = [];
    let wake: (() => void) | undefined;
    let stopped = false;
    const listener = (key: string, t: TaskRecord | null) => {
      if (key !== id) return;
      queue.push(t);
      wake?.();
    };
    this.watchers.add(listener);
    const cur = this.records.get(id);
    if (cur) queue.push(cur.task);
    const stop = () => {
      stopped = true;
      this.watchers.delete(listener);
      wake?.();
    };
    return {
      stop,
      async *[Symbol.asyncIterator]() {
        while (!stopped) {
          if (queue.length) yield queue.shift()!;
          else await new Promise<void>((r) => (wake = r));
        }
      },
    };
  }

  private put(task: TaskRecord): number {
    this.records.set(task.id, { task, revision: ++this.revision });
    for (const w of this.watchers) w(task.id, task);
    return this.revision;
  }
}

export class MemorySystemLog implements SystemLog {
  readonly lines: { taskId: string; attempt: number; text: string; fence: boolean }[] = [];

  async line(taskId: string, attempt: number, text: string, _timeMs: number, fence: boolean): Promise<number> {
    this.lines.push({ taskId, attempt, text, fence });
    return this.lines.length;
  }
}

export class MemoryIdempotencyKeys implements IdempotencyKeys {
  readonly keys = new Map<string, string>();

  async bind(namespace: string, key: string, candidateId: string): Promise<string> {
    const k = `${namespace}\0${key}`;
    if (!this.keys.has(k)) this.keys.set(k, candidateId);
    return this.keys.get(k)!;
  }
}

/** Serves each task's frames as one batch from `frames`. */
export class MemoryLogReader implements LogReader {
  readonly frames = new Map<string, LogFrame[]>();

  async *read(taskId: string, o: StreamLogsOptions): AsyncGenerator<LogFrame[]> {
    const all = (this.frames.get(taskId) ?? []).filter((f) => f.seq > o.afterSeq);
    if (all.length) yield all;
  }
}

export interface MemoryScheduler {
  /** A client without a token. */
  client: Client<typeof SchedulerService>;
  /** A client sending `authorization: Bearer <token>`. */
  as(token: string): Client<typeof SchedulerService>;
  deps: SchedulerDeps;
  store: MemoryTaskStore;
  systemLog: MemorySystemLog;
  logs: MemoryLogReader;
  /** The clock the handlers read; set it to move time. */
  now: { ms: number };
}

/** A SchedulerService in memory; with `auth`, tokens are checked as TRAINYARD_AUTH_FILE's would be. */
export function memoryScheduler(o: { auth?: AuthConfig; resources?: ResourcePolicy } = {}): MemoryScheduler {
  const store = new MemoryTaskStore();
  const systemLog = new MemorySystemLog();
  const view = new TaskView();
  view.markLoaded();
  const nodes = new NodeView();
  const logs = new MemoryLogReader();
  const now = { ms: 1_700_000_000_000 };
  let ids = 0;
  const logger = pino({ level: "silent" });
  const deps: SchedulerDeps = {
    store,
    applier: createApplier({ store, systemLog, view }),
    view,
    logs,
    idempotency: new MemoryIdempotencyKeys(),
    resources: o.resources ?? NO_POLICY,
    clock: () => now.ms,
    newId: () => `t-${String(++ids).padStart(22, "0")}`,
    logger,
    metrics: new SchedulerMetrics(new Registry(), () => view.countByState()),
    nodes,
    drains: { put: async (id, d) => nodes.drained(id, d), remove: async (id) => nodes.drained(id, null) },
    quotas: () => o.auth?.namespaces ?? {},
    positions: new QueuePositions(view, () => now.ms),
    tasksSpace: { usage: async () => undefined, created: () => {} },
    checkpoints: { read: () => { throw new Error("no checkpoint store in memory"); } },
    authEnabled: o.auth !== undefined,
  };
  const router = { interceptors: [errorInterceptor(logger), authInterceptor(o.auth ? { current: o.auth } : undefined, () => now.ms)] };
  const clientWith = (interceptors: Interceptor[]) =>
    createClient(SchedulerService, createRouterTransport(schedulerRoutes(deps), { router, transport: { interceptors } }));
  const bearer =
    (token: string): Interceptor =>
    (next) =>
    (req) => {
      req.header.set("authorization", `Bearer ${token}`);
      return next(req);
    };
  return { client: clientWith([]), as: (token) => clientWith([bearer(token)]), deps, store, systemLog, logs, now };
}
