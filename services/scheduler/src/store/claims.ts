/**
 * Who holds an attempt, from the claims bucket (nats/claims.ts: the first claim an agent stored).
 * Read by the event consumer, the log reader and the dispatch verifier; only agents write it.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { claimHolder as holderOf } from "@trainyard/common";

export function claimHolder(claims: KV, jsm: JetStreamManager): (taskId: string, attempt: number) => Promise<string | null> {
  return (taskId, attempt) => holderOf(claims, jsm, taskId, attempt);
}
