// Checkpoints on real NATS and Docker (TaskSpec.checkpoint, issue 12): a retried attempt starts
// from the newest save (its parents made in the container first); an agent killed with SIGKILL
// mid-training leaves a save that the retry on a second agent resumes from (the training example
// says the epoch); a fenced attempt's late save is refused and deleted; DownloadCheckpoint gives
// the archive; retention deletes a task's save with it, and the sweep what nobody will restore.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, nuid, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { FailureReason, LogStream, TaskState, type Task } from "@trainyard/client";
import { checkpointInfo, checkpointName, eventSubject, putCheckpoint, type AgentEvent } from "@trainyard/common";
import { startCluster, type TestCluster } from "./harness/cluster.js";
import { imageExists, TRAIN_IMAGE } from "./harness/docker.js";
import { startService, waitForLine, type ServiceProcess } from "./harness/processes.js";
import { readLog, sh, spec, text, until } from "./harness/tasks.js";

const LEASE = "6s";
let c: TestCluster;
let nc: NatsConnection;
const procs: ServiceProcess[] = [];

beforeAll(async () => {
  if (!(await imageExists(TRAIN_IMAGE))) throw new Error(`image ${TRAIN_IMAGE} is missing: run scripts/setup.sh`);
  c = await startCluster("checkpoints", {
    agents: [{ slots: 2 }],
    schedulerEnv: { TRAINYARD_AGENT_LEASE: LEASE, TRAINYARD_DISPATCH_VERIFY: "2s", TRAINYARD_TASK_RETENTION: "40s", TRAINYARD_CHECKPOINT_SWEEP: "5s" },
  });
  nc = await connect({ servers: c.nats.url });
});
afterAll(async () => {
  procs.forEach((p) => p.kill("SIGKILL"));
  await nc?.close();
  await c?.stop();
});

function agentProcess(id: string, pool: string): ServiceProcess {
  const p = startService("agent", `ckpt-${id}`, {
    TRAINYARD_NATS_URL: c.nats.url,
    TRAINYARD_AGENT_ID: id,
    TRAINYARD_POOLS: pool,
    TRAINYARD_AGENT_SLOTS: "1",
    TRAINYARD_AGENT_LEASE: LEASE,
    TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0",
    TRAINYARD_LOG_DIR: mkdtempSync(path.join(os.tmpdir(), "ty-ckpt-")),
  });
  procs.push(p);
  return p;
}

/** The task's checkpoint archive, downloaded, and one file of it. */
async function downloaded(taskId: string, file: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const piece of c.client.checkpointArchive(taskId)) chunks.push(piece);
  const tar = path.join(mkdtempSync(path.join(os.tmpdir(), "ty-ckpt-dl-")), "c.tar");
  writeFileSync(tar, Buffer.concat(chunks));
  return execFileSync("tar", ["-xOf", tar, file], { encoding: "utf8" });
}

const lastCheckpointOf = (t: Task) => t.lastCheckpoint && checkpointName(t.id, { attempt: t.lastCheckpoint.attempt, time: Number(t.lastCheckpoint.time!.seconds) * 1000 + t.lastCheckpoint.time!.nanos / 1e6 });

describe("checkpoints", () => {
  it("a retry starts from the newest save: restored into /work/ckpt (the image has no /work) before the container starts", async () => {
    // Counts on from the saved step, 5 steps an attempt; the first attempt fails on purpose.
    const script = [
      "mkdir -p $TRAINYARD_CHECKPOINT_DIR; n=$(cat $TRAINYARD_CHECKPOINT_DIR/n 2>/dev/null || echo 0)",
      'echo "start from $n (attempt $TRAINYARD_ATTEMPT)"; i=$n',
      "while [ $i -lt $((n+5)) ]; do i=$((i+1)); echo $i > $TRAINYARD_CHECKPOINT_DIR/n.tmp && mv $TRAINYARD_CHECKPOINT_DIR/n.tmp $TRAINYARD_CHECKPOINT_DIR/n; echo step $i; sleep 0.3; done",
      '[ "$TRAINYARD_ATTEMPT" -ge 2 ] || exit 3',
    ].join("; ");
    const { task } = await c.client.submit(spec({ command: sh(script), checkpoint: { path: "/work/ckpt", intervalMs: 1_000 }, maxRetries: 1, delayMs: 0 }));
    const done = await c.waitForState(task!.id, TaskState.SUCCEEDED, 60_000);
    expect(done.attempts.map((a) => a.failureReason)).toEqual([FailureReason.EXIT_CODE, FailureReason.UNSPECIFIED]);
    const frames = await readLog(c.client, task!.id);
    const out = text(frames, LogStream.STDOUT);
    expect(out).toContain("start from 0 (attempt 1)");
    expect(out).toContain("start from 5 (attempt 2)");
    expect(out).toContain("step 10");
    const system = text(frames, LogStream.SYSTEM);
    expect(system).toMatch(/restored the checkpoint of attempt 1 \(\d+(\.\d)? k?B\) into \/work\/ckpt in /);
    expect(system).toMatch(/checkpoint saved: \d+(\.\d)? k?B of \/work\/ckpt in /);
    expect(done.lastCheckpoint).toMatchObject({ attempt: 2 });
    expect(done.lastCheckpoint!.sizeBytes).toBeGreaterThan(0n);
    expect(await downloaded(task!.id, "ckpt/n")).toBe("10\n");
    // The CLI as users run it: `trainyard checkpoint ID -o DIR`.
    const dir = mkdtempSync(path.join(os.tmpdir(), "ty-ckpt-cli-"));
    const cli = fileURLToPath(new URL("../clients/ts/dist/cli/main.js", import.meta.url));
    const env = { ...process.env, TRAINYARD_ADDR: c.scheduler.url.replace(/^http:\/\//, ""), NO_COLOR: "1" };
    const said = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, "checkpoint", task!.id, "-o", dir], { env }, (err, _out, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stderr))),
    );
    expect(said).toMatch(/by attempt 2/);
    expect(readFileSync(path.join(dir, "ckpt", "n"), "utf8")).toBe("10\n");
    // Only the recorded save is left in the store (each newer one deleted the one before).
    const jsm = await jetstreamManager(nc);
    expect(await checkpointInfo(jsm, lastCheckpointOf(done)!)).not.toBeNull();
  });

  it("DownloadCheckpoint of a task without one: NOT_FOUND, saying so", async () => {
    const { task } = await c.client.submit(spec({ command: sh("true") }));
    await c.waitForState(task!.id, TaskState.SUCCEEDED);
    const err = await c.client.checkpointArchive(task!.id).next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
    expect((err as ConnectError).rawMessage).toMatch(/has no checkpoint \(its spec asks for none\)/);
  });

  it("SIGKILL an agent mid-training: once its lease lapses the retry on a second agent resumes from the last save; a fenced attempt's late save is refused", async () => {
    const pool = `p-ckpt-${process.pid}`;
    const a = agentProcess(`ckpt-a-${process.pid}`, pool);
    await waitForLine(a, "agent serving");
    const { task } = await c.client.submit(
      spec({ image: TRAIN_IMAGE, command: [], pool, env: { EPOCHS: "30", EPOCH_SECONDS: "0.3" }, checkpoint: { path: "/ckpt", intervalMs: 1_000 }, maxInfraRetries: 2 }),
    );
    const id = task!.id;
    // Killed once a save of epoch 3 or later is recorded.
    await until(async () => {
      const t = (await c.client.get({ taskId: id })).task!;
      if (!t.lastCheckpoint) return false;
      return /epoch ([3-9]|\d\d)\//.test(text(await readLog(c.client, id, { attempt: 1 }), LogStream.STDOUT));
    }, "a save after epoch 3", 60_000);
    a.kill("SIGKILL");
    await a.exited;
    const b = agentProcess(`ckpt-b-${process.pid}`, pool);
    await waitForLine(b, "agent serving");
    const done = await c.waitForState(id, TaskState.SUCCEEDED, 120_000);
    expect(done.attempts.map((x) => x.failureReason)).toEqual([FailureReason.NODE_LOST, FailureReason.UNSPECIFIED]);
    expect(done.attempts[1]!.nodeId).toBe(`ckpt-b-${process.pid}`);
    const second = await readLog(c.client, id, { attempt: 2 });
    const resumed = /resumed from epoch (\d+) \(checkpoint in \/ckpt\)/.exec(text(second, LogStream.STDOUT));
    expect(resumed).not.toBeNull();
    const from = Number(resumed![1]);
    expect(from).toBeGreaterThanOrEqual(1);
    const epochs = text(second, LogStream.STDOUT).split("\n").filter((l) => l.startsWith("epoch "));
    expect(epochs[0]).toMatch(new RegExp(`^epoch ${from + 1}/30 `));
    expect(epochs.at(-1)).toMatch(/^epoch 30\/30 /);
    expect(text(second, LogStream.SYSTEM)).toMatch(/restored the checkpoint of attempt 1 /);
    expect(done.lastCheckpoint).toMatchObject({ attempt: 2 });
    expect(JSON.parse(await downloaded(id, "ckpt/checkpoint.json"))).toMatchObject({ epoch: 30 });

    // The killed agent's attempt, fenced, saves late (forged here as it would publish): refused and deleted.
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const late = { attempt: 1, time: Date.now() };
    const stored = await putCheckpoint(nc, js, checkpointName(id, late), (async function* () {
      yield Buffer.from("a stale save");
    })(), { maxBytes: 1 << 20 });
    const event: AgentEvent = { type: "checkpoint", taskId: id, nodeId: `ckpt-a-${process.pid}`, ...late, sizeBytes: stored.size, digest: stored.digest };
    await js.publish(eventSubject(id, event.nodeId), JSON.stringify(event));
    await until(async () => (await checkpointInfo(jsm, checkpointName(id, late))) === null, "the stale save deleted", 15_000);
    expect((await c.client.get({ taskId: id })).task!.lastCheckpoint).toEqual(done.lastCheckpoint);
    b.kill("SIGTERM");
    await b.exited;
  });

  it("retention deletes a task's save with it; the sweep deletes a save nobody will restore and the chunks of a write that never ended", async () => {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const orphan = checkpointName("t-gone", { attempt: 1, time: Date.now() });
    await putCheckpoint(nc, js, orphan, (async function* () {
      yield Buffer.from("nobody's");
    })(), { maxBytes: 1 << 20 });
    const chunks = nuid.next();
    await js.publish(`$O.checkpoints.C.${chunks}`, Buffer.from("half a write"));
    const { task } = await c.client.submit(spec({ command: sh("mkdir -p /c && echo saved > /c/f"), checkpoint: { path: "/c", intervalMs: 60_000 } }));
    const done = await c.waitForState(task!.id, TaskState.SUCCEEDED);
    const name = lastCheckpointOf(done)!;
    expect(await checkpointInfo(jsm, name)).not.toBeNull();
    await until(async () => (await checkpointInfo(jsm, orphan)) === null, "the orphan save swept", 30_000);
    await until(async () => Object.keys((await jsm.streams.info("OBJ_checkpoints", { subjects_filter: `$O.checkpoints.C.${chunks}` })).state.subjects ?? {}).length === 0, "the orphan chunks swept", 30_000);
    // Retention is 40 s in this cluster.
    await until(async () => (await checkpointInfo(jsm, name)) === null, "the save deleted with its task", 120_000);
    await expect(c.client.get({ taskId: task!.id })).rejects.toMatchObject({ code: Code.NotFound });
  });
});
