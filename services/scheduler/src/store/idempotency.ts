/**
 * Binds an idempotency key to a task id, once: the first caller's candidate id wins and every
 * later caller (any replica, any time within the bucket's TTL) gets that same id back.
 * Keys are hashed so any string can be used.
 */
import { createHash } from "node:crypto";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";

export interface IdempotencyKeys {
  /** The task id bound to `key`: `candidateId` if this call bound it, else the one bound first. */
  bind(key: string, candidateId: string): Promise<string>;
}

export class KvIdempotencyKeys implements IdempotencyKeys {
  constructor(private readonly kv: KV) {}

  async bind(key: string, candidateId: string): Promise<string> {
    const k = createHash("sha256").update(key).digest("hex");
    for (;;) {
      try {
        await this.kv.create(k, candidateId);
        return candidateId;
      } catch (err) {
        if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence)) throw err;
      }
      const e = await this.kv.get(k);
      // Deleted between our create and get (TTL): bind again.
      if (e?.operation === "PUT") return e.string();
    }
  }
}
