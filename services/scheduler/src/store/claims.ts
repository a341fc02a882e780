/**
 * Who claimed an attempt, from the claims bucket ("<task>.<attempt>" → node id, created once by
 * the agent that runs it). Read by the dispatch verifier; only agents write it.
 */
import type { KV } from "@nats-io/kv";
import { claimKey } from "@trainyard/common";

export function claimHolder(claims: KV): (taskId: string, attempt: number) => Promise<string | null> {
  return async (taskId, attempt) => {
    const e = await claims.get(claimKey(taskId, attempt));
    return e?.operation === "PUT" ? e.string() : null;
  };
}
