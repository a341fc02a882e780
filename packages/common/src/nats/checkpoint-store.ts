/**
 * The checkpoints object store: JetStream stream OBJ_checkpoints in the NATS object store's own
 * format (`nats object ls checkpoints` lists it). An object's chunks go on
 * $O.checkpoints.C.<nuid>, then its meta on $O.checkpoints.M.<base64url name>; the meta is
 * written last, so an object exists for readers only once every chunk is stored: a save is
 * never half-visible. Written here, not with @nats-io/obj, so an agent needs neither a consumer
 * nor the right to purge: a read is one direct get per chunk (several at once), a write only publishes.
 * Chunks are read with direct gets (allow_direct: a chunk never changes once stored); metas, which
 * decide what a save is, from the stream's leader.
 *
 * Integrity: each save's digest is recorded in the task record (written only by the scheduler,
 * from the holder of the attempt), and a read checks the data against it, so an object replaced
 * by someone else is refused rather than restored.
 */
import { createHash } from "node:crypto";
import { nuid, type NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient, JetStreamManager, StoredMsg } from "@nats-io/jetstream";

export const CHECKPOINT_BUCKET = "checkpoints";
export const CHECKPOINT_STREAM = `OBJ_${CHECKPOINT_BUCKET}`;
export const checkpointSubjects = [`$O.${CHECKPOINT_BUCKET}.C.>`, `$O.${CHECKPOINT_BUCKET}.M.>`];

/** Chunks of a write published before the first is waited for. */
const WINDOW = 8;
const MAX_CHUNK = 1024 * 1024;

/** What the meta of an object says (the object store's ObjectInfo, as stored). */
export interface StoredObject {
  name: string;
  nuid: string;
  size: number;
  chunks: number;
  digest: string;
  /** ISO time of the write. */
  mtime: string;
  deleted?: boolean;
}

export class CheckpointTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the archive is larger than the limit of ${limit} bytes (TRAINYARD_CHECKPOINT_MAX_BYTES)`);
  }
}

export class CheckpointMissingError extends Error {}

/** The data does not match the digest the task record holds: replaced, or damaged. */
export class CheckpointCorruptError extends Error {}

const chunkSubject = (id: string) => `$O.${CHECKPOINT_BUCKET}.C.${id}`;
const metaSubject = (name: string) => `$O.${CHECKPOINT_BUCKET}.M.${base64UrlPadded(Buffer.from(name))}`;
const base64UrlPadded = (b: Buffer) => b.toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
/** The digest in the object store's form. */
const digestOf = (sha: ReturnType<typeof createHash>) => `SHA-256=${base64UrlPadded(sha.digest())}`;

/**
 * Stores `data` as object `name`; resolves with its meta once all of it is stored. Past
 * `maxBytes` it throws CheckpointTooLargeError and stores no meta (the chunks written are
 * orphans the scheduler's sweep removes).
 */
export async function putCheckpoint(
  nc: NatsConnection,
  js: JetStreamClient,
  name: string,
  data: AsyncIterable<Uint8Array>,
  o: { maxBytes: number; signal?: AbortSignal },
): Promise<StoredObject> {
  const chunk = Math.min(MAX_CHUNK, nc.info?.max_payload ?? MAX_CHUNK);
  const id = nuid.next();
  const subject = chunkSubject(id);
  const sha = createHash("sha256");
  let size = 0;
  let chunks = 0;
  const inflight: Promise<unknown>[] = [];
  const send = async (b: Buffer) => {
    size += b.length;
    if (size > o.maxBytes) throw new CheckpointTooLargeError(o.maxBytes);
    sha.update(b);
    chunks++;
    const p = js.publish(subject, b);
    p.catch(() => {}); // awaited below, in order
    inflight.push(p);
    if (inflight.length >= WINDOW) await inflight.shift();
  };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of data) {
    o.signal?.throwIfAborted();
    pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    pendingBytes += piece.byteLength;
    while (pendingBytes >= chunk) {
      const all = Buffer.concat(pending);
      await send(all.subarray(0, chunk));
      pending = [all.subarray(chunk)];
      pendingBytes = all.length - chunk;
    }
  }
  if (pendingBytes > 0) await send(Buffer.concat(pending));
  await Promise.all(inflight);
  o.signal?.throwIfAborted();
  const meta: StoredObject & { bucket: string; options: { max_chunk_size: number } } = {
    name,
    bucket: CHECKPOINT_BUCKET,
    nuid: id,
    size,
    chunks,
    digest: digestOf(sha),
    mtime: new Date().toISOString(),
    deleted: false,
    options: { max_chunk_size: chunk },
  };
  // No rollup header: each save has a name of its own, and the stream refuses rollups (an
  // agent's "Nats-Rollup: all" would otherwise purge every save).
  await js.publish(metaSubject(name), JSON.stringify(meta));
  return meta;
}

/** The object's meta; null when there is none (or it was deleted). */
export async function checkpointInfo(jsm: JetStreamManager, name: string): Promise<StoredObject | null> {
  const m = await jsm.streams.getMessage(CHECKPOINT_STREAM, { last_by_subj: metaSubject(name) });
  const info = m?.json<StoredObject>();
  return info && !info.deleted ? info : null;
}

/**
 * The object's data, chunk by chunk, checked against `digest` (the one the task record holds):
 * throws CheckpointMissingError when there is no such object, CheckpointCorruptError when its
 * data is not the recorded save (checked before the first chunk against the meta, and at the end
 * against the data itself, so a consumer must not use what it got before the end).
 */
export async function* readCheckpoint(jsm: JetStreamManager, name: string, digest: string): AsyncGenerator<Uint8Array> {
  const info = await checkpointInfo(jsm, name);
  if (!info) throw new CheckpointMissingError(`checkpoint ${name} is not in the object store`);
  if (info.digest !== digest) throw new CheckpointCorruptError(`checkpoint ${name} is not the save the task recorded (digest ${info.digest}, recorded ${digest})`);
  const sha = createHash("sha256");
  const subject = chunkSubject(info.nuid);
  // Chunks are usually stored one after another: the next WINDOW sequences are asked for at
  // once, and each answer is kept only if it is the object's; otherwise the next one is looked
  // up by subject and the guessing starts again from there.
  const guesses: { seq: number; msg: Promise<StoredMsg | null> }[] = [];
  const guess = (seq: number) => {
    const msg = jsm.direct.getMessage(CHECKPOINT_STREAM, { seq }).catch(() => null);
    guesses.push({ seq, msg });
  };
  let next = 0;
  for (let i = 0; i < info.chunks; i++) {
    let m = guesses.length ? await guesses.shift()!.msg : null;
    if (m?.subject !== subject) {
      guesses.length = 0;
      // Direct gets may be answered by a replica that has not stored the chunk yet: then the leader.
      m = (await directFrom(jsm, next, subject).catch(() => null)) ?? (await firstFrom(jsm, next, subject));
    }
    if (!m) {
      // Deleted while read (a newer save replaced it): gone, not damaged.
      if ((await checkpointInfo(jsm, name))?.nuid !== info.nuid) throw new CheckpointMissingError(`checkpoint ${name} was deleted while it was read`);
      throw new CheckpointCorruptError(`checkpoint ${name}: chunk ${i + 1} of ${info.chunks} is missing`);
    }
    sha.update(m.data);
    next = m.seq + 1;
    const last = guesses.at(-1)?.seq ?? m.seq;
    for (let s = last + 1; guesses.length < Math.min(WINDOW, info.chunks - i - 1); s++) guess(s);
    yield m.data;
  }
  if (digestOf(sha) !== digest) throw new CheckpointCorruptError(`checkpoint ${name}: its data does not match its digest`);
}

/** Removes the object and its chunks (the scheduler's right); an object already gone is fine. */
export async function deleteCheckpoint(jsm: JetStreamManager, name: string): Promise<void> {
  const info = await checkpointInfo(jsm, name);
  if (info) await jsm.streams.purge(CHECKPOINT_STREAM, { filter: chunkSubject(info.nuid) });
  await jsm.streams.purge(CHECKPOINT_STREAM, { filter: metaSubject(name) });
}

/**
 * Every object's meta, and the chunk sets no meta names with when their last chunk was stored:
 * what the scheduler's sweep needs to find saves nobody will restore and writes that never ended.
 */
export async function listCheckpoints(jsm: JetStreamManager): Promise<{ objects: StoredObject[]; orphanChunks: { nuid: string; time: number }[] }> {
  const subjects = async (filter: string) => Object.keys((await jsm.streams.info(CHECKPOINT_STREAM, { subjects_filter: filter })).state.subjects ?? {});
  // Chunks first, then metas: a write whose meta lands in between is seen with its meta, never as an orphan.
  const chunkSubjects = await subjects(`$O.${CHECKPOINT_BUCKET}.C.>`);
  const objects: StoredObject[] = [];
  for (const s of await subjects(`$O.${CHECKPOINT_BUCKET}.M.>`)) {
    const m = await jsm.streams.getMessage(CHECKPOINT_STREAM, { last_by_subj: s });
    const info = m?.json<StoredObject>();
    if (info && !info.deleted) objects.push(info);
  }
  const named = new Set(objects.map((o) => o.nuid));
  const orphanChunks: { nuid: string; time: number }[] = [];
  for (const s of chunkSubjects) {
    const id = s.slice(s.lastIndexOf(".") + 1);
    if (named.has(id)) continue;
    // Aged by its newest chunk: a long write still going on is young.
    const last = await jsm.streams.getMessage(CHECKPOINT_STREAM, { last_by_subj: s });
    if (last) orphanChunks.push({ nuid: id, time: last.time.getTime() });
  }
  return { objects, orphanChunks };
}

/** Removes chunks no meta names (a write that never ended). */
export async function purgeChunks(jsm: JetStreamManager, id: string): Promise<void> {
  await jsm.streams.purge(CHECKPOINT_STREAM, { filter: chunkSubject(id) });
}

/** As firstFrom, by a direct get (raw bytes, not base64 in JSON: several times faster). */
function directFrom(jsm: JetStreamManager, seq: number, subject: string) {
  return jsm.direct.getMessage(CHECKPOINT_STREAM, { seq, next_by_subj: subject });
}

/** The first message at or after `seq` on `subject` (nats-server 2.9+); null when there is none. */
function firstFrom(jsm: JetStreamManager, seq: number, subject: string) {
  const request = { seq, next_by_subj: subject }; // nats.js types MsgRequest without next_by_subj
  return jsm.streams.getMessage(CHECKPOINT_STREAM, request);
}
