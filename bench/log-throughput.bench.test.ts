// Benchmark (`npm run bench`; `npm test` runs it in smoke mode): how fast Trainyard delivers a
// container's output to a StreamLogs follower, as a ratio to the container's own write rate:
// the same command in the same run, read from Docker's attach stream by a reader that only
// counts (what `docker run … > /dev/null` does), from the container's start to its last line.
// Docker's json-file follow (its logs API, follow=1) and `docker run` itself are measured too.
// Each figure is the median of REPS runs, interleaved; ratios stay meaningful on shared, noisy
// machines where absolute numbers do not.
import { spawnSync } from "node:child_process";
import type { Readable } from "node:stream";
import Docker from "dockerode";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LogStream, TaskState } from "@trainyard/client";
import { startCluster, type TestCluster } from "../test/harness/cluster.js";
import { TEST_IMAGE } from "../test/harness/docker.js";
import { ms, readLog, sh, spec, text } from "../test/harness/tasks.js";
import { fmt, median, row, SMOKE } from "./lib/table.js";

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster("bench", { agents: [{ slots: 2 }] });
});
afterAll(() => c?.stop());

const N = SMOKE ? 20_000 : 500_000;
const REPS = SMOKE ? 1 : 3;
const BURSTS = SMOKE ? 2 : 50;
const GOAL = 0.7;
const docker = new Docker();
const rows: string[][] = [];

/** A `seq 1 n` container as the bench's baselines run it (json-file log, no network), created, not started. */
async function seqContainer(n: number): Promise<Docker.Container> {
  return docker.createContainer({ Image: TEST_IMAGE, Cmd: ["seq", "1", String(n)], Tty: false, HostConfig: { NetworkMode: "none", LogConfig: { Type: "json-file", Config: {} } } });
}

function countNewlines(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * When the n-th line arrived on a multiplexed Docker stream (Tty off: 8-byte headers, then the
 * payload), counting newlines in payloads only; rejects if the stream ends before.
 */
function nthLine(stream: Readable, n: number): Promise<bigint> {
  let lines = 0;
  let head = Buffer.alloc(0);
  let left = 0; // payload bytes still to come of the current record
  return new Promise((resolve, reject) => {
    stream.on("data", (b: Buffer) => {
      let off = 0;
      while (off < b.length) {
        if (left > 0) {
          const end = Math.min(b.length, off + left);
          lines += countNewlines(b.subarray(off, end));
          left -= end - off;
          off = end;
          if (lines >= n) return resolve(process.hrtime.bigint());
          continue;
        }
        const take = Math.min(8 - head.length, b.length - off);
        head = Buffer.concat([head, b.subarray(off, off + take)]);
        off += take;
        if (head.length === 8) {
          left = head.readUInt32BE(4);
          head = Buffer.alloc(0);
        }
      }
    });
    stream.on("end", () => reject(new Error(`the stream ended after ${lines} of ${n} lines`)));
    stream.on("error", reject);
  });
}

/** The container's own write rate: its attach stream (attached before the start), from the start to its last line. */
async function attachRate(n: number): Promise<number> {
  const ct = await seqContainer(n);
  try {
    const s = (await ct.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
    const last = nthLine(s, n);
    await ct.start();
    const t0 = process.hrtime.bigint();
    return n / (Number((await last) - t0) / 1e9);
  } finally {
    await ct.remove({ force: true });
  }
}

/** Docker's json-file follow (logs API, follow=1, timestamps) from the container's start to the arrival of its last line. */
async function jsonFollowRate(n: number): Promise<number> {
  const ct = await seqContainer(n);
  try {
    await ct.start();
    const t0 = process.hrtime.bigint();
    const s = (await ct.logs({ follow: true, stdout: true, stderr: true, timestamps: true })) as unknown as Readable;
    return n / (Number((await nthLine(s, n)) - t0) / 1e9);
  } finally {
    await ct.remove({ force: true });
  }
}

/** `docker run --rm --network none IMAGE seq 1 n > /dev/null`, whole (create, start, write, remove). */
function cliRate(n: number): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("docker", ["run", "--rm", "--network", "none", TEST_IMAGE, "seq", "1", String(n)], { stdio: ["ignore", "ignore", "pipe"] });
  expect(r.status, String(r.stderr)).toBe(0);
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Docker's logs API replay of a finished container's n lines (read raw, not followed). */
async function replayRate(n: number): Promise<number> {
  const ct = await seqContainer(n);
  try {
    await ct.start();
    await ct.wait();
    const t0 = process.hrtime.bigint();
    const s = (await ct.logs({ follow: true, stdout: true, stderr: true, timestamps: true })) as unknown as Readable;
    return n / (Number((await nthLine(s, n)) - t0) / 1e9);
  } finally {
    await ct.remove({ force: true });
  }
}

/**
 * Trainyard: a task running `seq 1 n`, followed from before it starts; from the container's start
 * (as the agent recorded it) to the arrival of its last line. Checks every line came, once, in order.
 */
async function trainyardFollow(n: number): Promise<{ rate: number; frames: number; taskId: string }> {
  const { task } = await c.client.submit(spec({ command: sh(`seq 1 ${n}`) }));
  let lines = 0;
  let frames = 0;
  let last = 0;
  const out: Uint8Array[] = [];
  for await (const r of c.client.streamLogs({ taskId: task!.id, afterSeq: 0n, follow: true, tailLines: 0 })) {
    for (const f of r.frames) {
      frames++;
      if (f.stream !== LogStream.STDOUT) continue;
      out.push(f.data);
      lines += countNewlines(f.data);
      if (lines === n) last = Date.now();
    }
  }
  const done = (await c.client.get({ taskId: task!.id })).task!;
  expect(done.state).toBe(TaskState.SUCCEEDED);
  expect(Buffer.concat(out).toString()).toBe(Array.from({ length: n }, (_, i) => `${i + 1}\n`).join(""));
  return { rate: n / ((last - ms(done.attempts[0]!.startTime)) / 1000), frames, taskId: task!.id };
}

it(`follows ${N} lines at the container's own write rate`, async () => {
  const r = { attach: [] as number[], json: [] as number[], cli: [] as number[], replay: [] as number[], ty: [] as number[], frames: [] as number[] };
  let taskId = "";
  for (let i = 0; i < REPS; i++) {
    r.attach.push(await attachRate(N));
    const ty = await trainyardFollow(N);
    r.ty.push(ty.rate);
    r.frames.push(ty.frames);
    taskId = ty.taskId;
    r.json.push(await jsonFollowRate(N));
    r.cli.push(cliRate(N));
    r.replay.push(await replayRate(N));
  }
  const t1 = process.hrtime.bigint();
  const replayed = await readLog(c.client, taskId);
  const tyReplay = N / (Number(process.hrtime.bigint() - t1) / 1e9);
  expect(countNewlines(Buffer.from(text(replayed, LogStream.STDOUT)))).toBe(N);
  const own = median(r.attach);
  const ty = median(r.ty);
  const ratio = (x: number) => (x / own).toFixed(2);
  const spread = (xs: number[]) => (xs.length > 1 ? ` (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : "");
  rows.push(
    [`the container's own write rate: attach stream, start to last line (baseline)${spread(r.attach)}`, fmt(own), "1.00"],
    [`Trainyard follow, from container start to the last line${spread(r.ty)}`, fmt(ty), ratio(ty)],
    [`Docker json-file follow (logs API follow=1) from start${spread(r.json)}`, fmt(median(r.json)), ratio(median(r.json))],
    [`docker run --rm … > /dev/null, whole${spread(r.cli)}`, fmt(median(r.cli)), ratio(median(r.cli))],
    [`Docker logs API replay of a finished container${spread(r.replay)}`, fmt(median(r.replay)), ratio(median(r.replay))],
    ["Trainyard replay of the finished task from JetStream", fmt(tyReplay), ratio(tyReplay)],
    ["frames for the task", String(median(r.frames)), `${Math.round(N / median(r.frames))} lines/frame`],
  );
  row({
    row: `P1 logs: seq 1 ${fmt(N)}, container start → last line followed (median of ${REPS})`,
    trainyard: `${fmt(ty)} lines/s`,
    baseline: `the container's own write rate (attach stream, discarded) ${fmt(own)} lines/s`,
    ratio: ty / own,
    goal: `≥ ${GOAL}×`,
    ...(SMOKE ? {} : { met: ty / own >= GOAL }),
  });
  row({ row: "P1 logs: Docker json-file follow (before: Trainyard's bound)", trainyard: `${fmt(median(r.json))} lines/s`, baseline: `the container's own write rate ${fmt(own)} lines/s`, ratio: median(r.json) / own });
  row({ row: "P1 logs: replay of the finished task", trainyard: `${fmt(tyReplay)} lines/s from JetStream`, baseline: `Docker logs API replay ${fmt(median(r.replay))} lines/s`, ratio: tyReplay / median(r.replay) });
}, 900_000);

it("keeps up with a writer paced at about 100,000 lines a second for 5 s", async () => {
  // 50 bursts of 10,000 lines, 0.1 s apart.
  const { task } = await c.client.submit(spec({ command: sh(`for i in $(seq 1 ${BURSTS}); do seq 1 10000; sleep 0.1; done`) }));
  const frames = await readLog(c.client, task!.id, { follow: true });
  const done = (await c.client.get({ taskId: task!.id })).task!;
  expect(done.state).toBe(TaskState.SUCCEEDED);
  const lines = BURSTS * 10_000;
  expect(countNewlines(Buffer.from(text(frames, LogStream.STDOUT)))).toBe(lines);
  const run = (ms(done.attempts[0]!.endTime) - ms(done.attempts[0]!.startTime)) / 1000;
  rows.push([`paced writer: ${fmt(lines)} lines, container run time`, `${run.toFixed(2)} s`, `${fmt(lines / run)} lines/s written and delivered`]);
  console.log(`\n| measurement | lines/s | ratio to the container's own rate |\n| --- | --- | --- |\n${rows.map((r) => `| ${r.join(" | ")} |`).join("\n")}\n`);
});
