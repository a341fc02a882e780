/**
 * Who holds an attempt. Each agent that wants to run an attempt creates its own key in the
 * claims bucket, "<task>.<attempt>.<node>" (NATS lets an agent write only keys ending with its
 * id), and the first such key the stream stored wins: every reader finds the same holder, and no
 * agent can overwrite or delete another's claim. A key "<task>.<attempt>" (from before claims
 * were per node; agents may no longer write it) wins over them.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { BUCKET } from "./names.js";

/** The key the agent `nodeId` creates to claim an attempt. */
export const claimKey = (taskId: string, attempt: number, nodeId: string) => `${taskId}.${attempt}.${nodeId}`;

/** The node holding the attempt; null when nobody claimed it. */
export async function claimHolder(claims: KV, jsm: JetStreamManager, taskId: string, attempt: number): Promise<string | null> {
  const legacy = await claims.get(`${taskId}.${attempt}`);
  if (legacy?.operation === "PUT") return legacy.string();
  const stream = `KV_${BUCKET.claims}`;
  const filter = `$KV.${BUCKET.claims}.${taskId}.${attempt}.*`;
  for (let seq = 0; ; ) {
    const first = { seq, next_by_subj: filter }; // nats-server 2.9+: the first at or after seq on the subject
    const m = await jsm.streams.getMessage(stream, first);
    if (!m) return null;
    const op = m.header?.get("KV-Operation");
    if (!op || op === "PUT") return m.subject.slice(m.subject.lastIndexOf(".") + 1);
    seq = m.seq + 1; // a deleted claim (its own node gave it up): look further
  }
}
