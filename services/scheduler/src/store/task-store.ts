/**
 * Task records in the KV bucket "tasks", with compare-and-set on the KV revision.
 * create() and update() throw ConflictError when another writer got there first.
 * `onStored(before, after)` runs after every successful write (never after a lost race):
 * the metrics count what a write changed there, once.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { ConflictError, type TaskRecord } from "@trainyard/common";

export interface StoredTask {
  task: TaskRecord;
  revision: number;
}

/** A task's record now and at every change (null: deleted), until stop(). Ends by itself only when the connection does. */
export interface RecordWatch extends AsyncIterable<TaskRecord | null> {
  stop(): void;
}

export interface TaskStore {
  get(id: string): Promise<StoredTask | null>;
  create(task: TaskRecord): Promise<number>;
  /** `before`: the record this write replaces (what the caller read at `revision`), for onStored. */
  update(task: TaskRecord, revision: number, before?: TaskRecord): Promise<number>;
  watch(id: string): Promise<RecordWatch>;
}

export class KvTaskStore implements TaskStore {
  constructor(
    private readonly kv: KV,
    private readonly onStored: (before: TaskRecord | undefined, after: TaskRecord) => void = () => {},
  ) {}

  async get(id: string): Promise<StoredTask | null> {
    const e = await this.kv.get(id);
    if (!e || e.operation !== "PUT") return null;
    return { task: e.json<TaskRecord>(), revision: e.revision };
  }

  async create(task: TaskRecord): Promise<number> {
    const revision = await cas(() => this.kv.create(task.id, JSON.stringify(task)), `task ${task.id} already exists`);
    this.onStored(undefined, task);
    return revision;
  }

  async update(task: TaskRecord, revision: number, before?: TaskRecord): Promise<number> {
    const stored = await cas(() => this.kv.update(task.id, JSON.stringify(task), revision), `task ${task.id} changed since revision ${revision}`);
    this.onStored(before, task);
    return stored;
  }

  async watch(id: string): Promise<RecordWatch> {
    const w = await this.kv.watch({ key: id });
    return {
      stop: () => w.stop(),
      async *[Symbol.asyncIterator]() {
        for await (const e of w) yield e.operation === "PUT" ? decodeRecord(e.value) : null;
      },
    };
  }
}

async function cas(write: () => Promise<number>, conflict: string): Promise<number> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence) throw new ConflictError(conflict, { cause: err });
    throw err;
  }
}

/** Decodes a KV value into a record; null for deletes or garbage. */
export function decodeRecord(value: Uint8Array): TaskRecord | null {
  try {
    const t = JSON.parse(new TextDecoder().decode(value)) as TaskRecord;
    return typeof t?.id === "string" && Array.isArray(t.attempts) ? t : null;
  } catch {
    return null;
  }
}
