/**
 * Binds an idempotency key to a task id, once per namespace: the first caller's candidate id
 * wins and every later caller of that namespace (any replica, any time within the bucket's TTL)
 * gets that same id back; the same key in another namespace is another binding. Keys are hashed
 * so any string can be used ("default"'s keys hash as before namespaces existed).
 */
import { createHash } from "node:crypto";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { DEFAULT_NAMESPACE } from "@trainyard/common";

export interface IdempotencyKeys {
  /** The task id bound to `key` in `namespace`: `candidateId` if this call bound it, else the one bound first. */
  bind(namespace: string, key: string, candidateId: string): Promise<string>;
}

export class KvIdempotencyKeys implements IdempotencyKeys {
  constructor(private readonly kv: KV) {}

  async bind(namespace: string, key: string, candidateId: string): Promise<string> {
    const k = idempotencyKeyOf(namespace, key);
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

/** The bucket key of `key` in `namespace` ("default"'s keys hash as before namespaces existed). */
export function idempotencyKeyOf(namespace: string, key: string): string {
  const scoped = namespace === DEFAULT_NAMESPACE ? key : `${namespace}\0${key}`;
  return createHash("sha256").update(scoped).digest("hex");
}
