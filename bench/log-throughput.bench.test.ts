// Benchmark (`npm run bench`; `npm test` runs it in smoke mode): how fast Trainyard delivers a
// container's output to a StreamLogs follower, as a ratio to what the Docker Engine itself
// delivers for the same output in the same run (its logs API, read raw over the socket). Ratios
// stay meaningful on shared, noisy machines where absolute numbers do not.
import { afterAll, beforeAll, expect, it } from "vitest";
import { LogStream, TaskState } from "@trainyard/client";
import { startCluster, type TestCluster } from "../test/harness/cluster.js";
import { TEST_IMAGE } from "../test/harness/docker.js";
import { ms, readLog, sh, spec, text } from "../test/harness/tasks.js";
import { execFileSync } from "node:child_process";
import { fmt, row, SMOKE } from "./lib/table.js";

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster("bench", { agents: [{ slots: 2 }] });
});
afterAll(() => c?.stop());

const N = SMOKE ? 20_000 : 500_000;
const BURSTS = SMOKE ? 2 : 50;
const rows: string[][] = [];

function dockerBaseline(n: number): { secs: number; lines: number } {
  const id = execFileSync("docker", ["run", "-d", "--network", "none", "--log-driver", "json-file", TEST_IMAGE, "seq", "1", String(n)]).toString().trim();
  execFileSync("docker", ["wait", id]);
  try {
    const t0 = process.hrtime.bigint();
    const out = execFileSync("curl", ["-s", "--unix-socket", "/var/run/docker.sock", `http://docker/containers/${id}/logs?stdout=1&stderr=1&timestamps=1&follow=1`], { maxBuffer: 1 << 30 });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    return { secs, lines: countNewlines(out) };
  } finally {
    execFileSync("docker", ["rm", "-f", id]);
  }
}

function countNewlines(b: Uint8Array): number {
  let n = 0;
  for (const x of b) if (x === 10) n++;
  return n;
}

it(`follows ${N} lines as fast as the writer makes them`, async () => {
  const base = dockerBaseline(N);
  const { task } = await c.client.submit(spec({ command: sh(`seq 1 ${N}`) }));
  await c.waitFor(task!.id, (t) => t.attempts[0]!.containerId !== "");
  const t0 = process.hrtime.bigint();
  const frames = await readLog(c.client, task!.id, { follow: true });
  const follow = Number(process.hrtime.bigint() - t0) / 1e9;
  const out = text(frames, LogStream.STDOUT);
  expect(countNewlines(Buffer.from(out))).toBe(N);
  const t1 = process.hrtime.bigint();
  const replayed = await readLog(c.client, task!.id);
  const replay = Number(process.hrtime.bigint() - t1) / 1e9;
  expect(text(replayed, LogStream.STDOUT)).toBe(out);
  const dockerRate = base.lines / base.secs;
  rows.push(
    ["Docker logs API, replay of a finished container (baseline)", fmt(dockerRate), "1.00"],
    ["Trainyard follow, from container start to the last frame", fmt(N / follow), (N / follow / dockerRate).toFixed(2)],
    ["Trainyard replay of the finished task from JetStream", fmt(N / replay), (N / replay / dockerRate).toFixed(2)],
  );
  row({ row: `P1 logs: seq 1 ${fmt(N)}, container start → last line followed`, trainyard: `${fmt(N / follow)} lines/s`, baseline: `Docker logs API replay of the finished container ${fmt(dockerRate)} lines/s`, ratio: N / follow / dockerRate });
  row({ row: "P1 logs: replay of the finished task", trainyard: `${fmt(N / replay)} lines/s from JetStream`, baseline: `Docker logs API replay ${fmt(dockerRate)} lines/s`, ratio: N / replay / dockerRate });
  rows.push(["frames for the task", String(frames.length), `${Math.round(N / frames.length)} lines/frame`]);
});

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
  console.log(`\n| measurement | lines/s | ratio to Docker |\n| --- | --- | --- |\n${rows.map((r) => `| ${r.join(" | ")} |`).join("\n")}\n`);
});
