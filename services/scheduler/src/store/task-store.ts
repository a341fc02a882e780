import { JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { ConflictError, type TaskRecord } from "@trainyard/common";

/**
 * Task records in the KV bucket "tasks", with compare-and-set on the KV revision.
 * create() and update() throw ConflictError when another writer got there first.
 */
export interface StoredTask {
  task: TaskRecord;
  revision: number;
}

export interface TaskStore {
  get(id: string): Promise<StoredTask | null>;
  create(task: TaskRecord): Promise<number>;
  update(task: TaskRecord, revision: number): Promise<number>;
}

/** JetStream's "wrong last sequence": the CAS precondition failed. */
const WRONG_LAST_SEQUENCE = 10071;

export class KvTaskStore implements TaskStore {
  constructor(private readonly kv: KV) {}

  async get(id: string): Promise<StoredTask | null> {
    const e = await this.kv.get(id);
    if (!e || e.operation !== "PUT") return null;
    return { task: e.json<TaskRecord>(), revision: e.revision };
  }

  async create(task: TaskRecord): Promise<number> {
    return cas(() => this.kv.create(task.id, JSON.stringify(task)), `task ${task.id} already exists`);
  }

  async update(task: TaskRecord, revision: number): Promise<number> {
    return cas(() => this.kv.update(task.id, JSON.stringify(task), revision), `task ${task.id} changed since revision ${revision}`);
  }
}

async function cas(write: () => Promise<number>, conflict: string): Promise<number> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE) throw new ConflictError(conflict, { cause: err });
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
