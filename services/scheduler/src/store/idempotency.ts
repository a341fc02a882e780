import { createHash } from "node:crypto";
import { JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";

/**
 * Binds an idempotency key to a task id, once: the first caller's candidate id wins and every
 * later caller (any replica, any time within the bucket's TTL) gets that same id back.
 * Keys are hashed so any string can be used.
 */
export async function bindIdempotencyKey(kv: KV, key: string, candidateId: string): Promise<string> {
  const k = createHash("sha256").update(key).digest("hex");
  try {
    await kv.create(k, candidateId);
    return candidateId;
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === 10071)) throw err;
    const e = await kv.get(k);
    if (!e || e.operation !== "PUT") return bindIdempotencyKey(kv, key, candidateId);
    return e.string();
  }
}
