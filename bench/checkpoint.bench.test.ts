// Benchmark (`npm run bench`; `npm test` runs it in smoke mode): how fast a checkpoint is saved
// and restored (issue 12, item 1). A directory of incompressible files in a created container
// of the test image, on this machine's Docker and a private nats-server. Save: Docker's archive
// read streamed into the checkpoints object store (what the agent does); its baseline, in the
// same run, is Docker's archive read alone, drained. Restore: the object store read (digest
// checked) streamed into Docker's archive write in a second container; its baseline is the same
// archive written from memory. Medians of 3.
import { randomBytes } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureInfrastructure, putCheckpoint, readCheckpoint } from "@trainyard/common";
import { DockerRuntime } from "../services/agent/src/runtime/docker-runtime.js";
import { tarHeader } from "../services/agent/src/core/tar-dirs.js";
import { dockerRequest, TEST_IMAGE } from "../test/harness/docker.js";
import { startNats, type NatsServer } from "../test/harness/nats.js";
import { fmt, median, row, SMOKE } from "./lib/table.js";

const FILES = SMOKE ? 2 : 8;
const FILE_MB = SMOKE ? 4 : 32;
const RUNS = SMOKE ? 1 : 3;
const MB = 1e6;

let nats: NatsServer;
let nc: NatsConnection;
const docker = new DockerRuntime();
const containers: string[] = [];

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  await ensureInfrastructure(nc, { replicas: 1, logRetentionMs: 3_600_000, logMaxBytes: 64 * 2 ** 20 });
});
afterAll(async () => {
  for (const id of containers) await docker.remove(id);
  await nc?.close();
  await nats?.stop();
});

async function container(): Promise<string> {
  const r = await dockerRequest("POST", "/containers/create", { Image: TEST_IMAGE, Cmd: ["true"], NetworkDisabled: true, HostConfig: { NetworkMode: "none" } });
  const id = (JSON.parse(r.body) as { Id: string }).Id;
  containers.push(id);
  return id;
}

/** A tar of /data with FILES files of FILE_MB random bytes each. */
function dataTar(): Buffer {
  const owner = { uid: 0, gid: 0, mtimeSec: Math.floor(Date.now() / 1000) };
  const parts = [tarHeader("data/", { ...owner, type: "5", mode: 0o755, size: 0 })];
  for (let i = 0; i < FILES; i++) {
    const body = randomBytes(FILE_MB * MB);
    parts.push(tarHeader(`data/f${i}`, { ...owner, type: "0", mode: 0o644, size: body.length }), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

async function* from(b: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < b.length; at += 1 << 20) yield b.subarray(at, at + (1 << 20));
}

async function timed(f: () => Promise<number>): Promise<{ s: number; bytes: number }> {
  const t0 = performance.now();
  const bytes = await f();
  return { s: (performance.now() - t0) / 1000, bytes };
}

it(`saves and restores a ${FILES * FILE_MB} MB checkpoint`, async () => {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const src = await container();
  const tar = dataTar();
  await docker.putArchive(src, "/", from(tar));
  const rates = { dockerRead: [] as number[], save: [] as number[], dockerWrite: [] as number[], restore: [] as number[], storeRead: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    const read = await timed(async () => {
      let n = 0;
      for await (const b of (await docker.getArchive(src, "/data"))!) n += b.length;
      return n;
    });
    rates.dockerRead.push(read.bytes / MB / read.s);
    let saved = { size: 0, digest: "" };
    const save = await timed(async () => {
      saved = await putCheckpoint(nc, js, `bench.${run}.1`, (await docker.getArchive(src, "/data"))!, { maxBytes: 8 * 2 ** 30 });
      return saved.size;
    });
    rates.save.push(save.bytes / MB / save.s);
    const archive: Buffer[] = [];
    const got = await timed(async () => {
      for await (const b of readCheckpoint(jsm, `bench.${run}.1`, saved.digest)) archive.push(Buffer.from(b));
      return saved.size;
    });
    rates.storeRead.push(got.bytes / MB / got.s);
    const whole = Buffer.concat(archive);
    const write = await timed(async () => (await docker.putArchive(await container(), "/", from(whole)), whole.length));
    rates.dockerWrite.push(write.bytes / MB / write.s);
    const restore = await timed(async () => (await docker.putArchive(await container(), "/", readCheckpoint(jsm, `bench.${run}.1`, saved.digest)), saved.size));
    rates.restore.push(restore.bytes / MB / restore.s);
    expect(saved.size).toBeGreaterThan(FILES * FILE_MB * MB);
  }
  const [dr, sv, dw, rs] = [median(rates.dockerRead), median(rates.save), median(rates.dockerWrite), median(rates.restore)];
  row({
    row: `checkpoint save, ${FILES * FILE_MB} MB (Docker archive → object store)`,
    trainyard: `${fmt(sv)} MB/s`,
    baseline: `Docker's archive read alone: ${fmt(dr)} MB/s`,
    ratio: sv / dr,
  });
  row({
    row: `checkpoint restore, ${FILES * FILE_MB} MB (object store → Docker archive)`,
    trainyard: `${fmt(rs)} MB/s`,
    baseline: `Docker's archive write from memory: ${fmt(dw)} MB/s (the object store read alone: ${fmt(median(rates.storeRead))} MB/s)`,
    ratio: rs / dw,
  });
}, 600_000);
