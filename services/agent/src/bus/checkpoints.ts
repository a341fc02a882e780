/**
 * Where the agent's checkpoint saves go and come from: the checkpoints object store
 * (@trainyard/common's checkpoint-store.ts). An interface, so the runner is tested in memory.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { putCheckpoint, readCheckpoint } from "@trainyard/common";

export interface CheckpointStore {
  /** Stores a save; resolves once all of it is (never half-visible). Throws CheckpointTooLargeError past the agent's limit. */
  put(name: string, tar: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<{ sizeBytes: number; digest: string }>;
  /** The save's archive, checked against `digest` (throws CheckpointMissingError, CheckpointCorruptError). */
  read(name: string, digest: string): AsyncIterable<Uint8Array>;
}

export function natsCheckpointStore(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, maxBytes: number): CheckpointStore {
  return {
    async put(name, tar, signal) {
      const o = await putCheckpoint(nc, js, name, tar, { maxBytes, signal });
      return { sizeBytes: o.size, digest: o.digest };
    },
    read: (name, digest) => readCheckpoint(jsm, name, digest),
  };
}
