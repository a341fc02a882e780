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
  const stream = `KV_${BUCKET.claims}`;
  const filter = `$KV.${BUCKET.claims}.${taskId}.${attempt}.*`;
  // nats-server 2.9+: the first message at or after seq on the subject.
  const firstFrom = (seq: number) => {
    const request = { seq, next_by_subj: filter };
    return jsm.streams.getMessage(stream, request);
  };
  // Both asked at once (one round trip of waiting, not two); the legacy key wins when it is there.
  const [legacy, first] = await Promise.all([claims.get(`${taskId}.${attempt}`), firstFrom(0)]);
  if (legacy?.operation === "PUT") return legacy.string();
  for (let m = first; m; ) {
    const op = m.header?.get("KV-Operation");
    if (!op || op === "PUT") return m.subject.slice(m.subject.lastIndexOf(".") + 1);
    m = await firstFrom(m.seq + 1); // a deleted claim (its own node gave it up): look further
  }
  return null;
}
