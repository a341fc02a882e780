/**
 * Checkpoints in runAttempt (runner/checkpoints.ts) on a FakeRuntime and an in-memory store:
 * saves every interval and once more after the exit (before `finished`), a restore into the
 * created container before it starts (missing parents made first), no saves once the attempt is
 * no longer the task's current one, a failed save said once, a restore that fails failing the
 * attempt before its container runs.
 */
import { afterAll, describe, expect, it } from "vitest";
import { CheckpointTooLargeError, checkpointName, type AgentEvent, type TaskRecord } from "@trainyard/common";
import { dirsTar } from "../../src/core/tar-dirs.js";
import { cleanUp, eventKinds, fakeRuntime, finished, launch, MemoryCheckpoints, MemoryRecords, run, runningTask } from "./harness.js";
import { until } from "../fixtures.js";

afterAll(cleanUp);

const checkpoint = { path: "/work/ckpt", intervalMs: 40 };
const saves = (events: readonly AgentEvent[]) => events.filter((e): e is Extract<AgentEvent, { type: "checkpoint" }> => e.type === "checkpoint");

describe.concurrent("checkpoints in runAttempt", () => {
  it("saves every interval while the container runs and once more after it exits, before `finished`; each save its own name", async () => {
    const runtime = fakeRuntime();
    runtime.archives.set("/work/ckpt", Buffer.from("tar of /work/ckpt"));
    const store = new MemoryCheckpoints();
    const r = await run({ behaviour: { durationMs: 300 }, spec: { checkpoint }, runtime, checkpoints: store });
    const ckpts = saves(r.events);
    expect(ckpts.length).toBeGreaterThanOrEqual(3);
    expect(eventKinds(r.events).slice(-2)).toEqual(["checkpoint", "finished"]);
    expect(new Set(ckpts.map((e) => e.time)).size).toBe(ckpts.length);
    for (const e of ckpts) {
      expect(e).toMatchObject({ attempt: 1, sizeBytes: 17 });
      expect(store.saves.get(checkpointName(e.taskId, e))?.digest).toBe(e.digest);
    }
    expect(r.log.filter((l) => l.startsWith("system checkpoint saved: 17 B of /work/ckpt in "))).toHaveLength(ckpts.length);
    expect(finished(r.events).outcome.failureReason).toBeUndefined();
  });

  it("a path not there yet saves nothing, and says nothing", async () => {
    const r = await run({ behaviour: { durationMs: 120 }, spec: { checkpoint } });
    expect(saves(r.events)).toEqual([]);
    expect(r.notes).toEqual([]);
  });

  it("restores the record's newest save into the created container before it starts: missing parents first, then the archive into the parent", async () => {
    const store = new MemoryCheckpoints();
    const t: TaskRecord = runningTask({}, { checkpoint, user: "1000:1001" }, 2);
    const saved = await store.put(checkpointName(t.id, { attempt: 1, time: 1234 }), (async function* () {
      yield Buffer.from("the save");
    })());
    t.lastCheckpoint = { attempt: 1, time: 1234, ...saved };
    const runtime = fakeRuntime();
    runtime.missingPaths.add("/work");
    const r = await run({ task: t, attempt: 2, runtime, checkpoints: store });
    const [container] = runtime.containers();
    expect(runtime.puts).toEqual([
      { id: container!.id, path: "/", data: dirsTar(["work"], { uid: 1000, gid: 1001 }, dirsMtime(runtime.puts[0]!.data)) },
      { id: container!.id, path: "/work", data: Buffer.from("the save") },
    ]);
    expect(eventKinds(r.events)).toEqual(["note checkpoint-restored", "started", "finished"]);
    expect(r.notes[0]).toMatchObject({ kind: "checkpoint-restored", fromAttempt: 1, sizeBytes: 8, path: "/work/ckpt" });
    expect(container!.spec.env.TRAINYARD_CHECKPOINT_DIR).toBe("/work/ckpt");
  });

  it("a save that is not the recorded one (another digest), or is gone, is not restored: said so, and the attempt runs afresh in a new container", async () => {
    const store = new MemoryCheckpoints();
    const t = runningTask({}, { checkpoint }, 2);
    await store.put(checkpointName(t.id, { attempt: 1, time: 1 }), (async function* () {
      yield Buffer.from("replaced");
    })());
    t.lastCheckpoint = { attempt: 1, time: 1, sizeBytes: 8, digest: `SHA-256=${"A".repeat(43)}=` };
    const runtime = fakeRuntime();
    const r = await run({ task: t, attempt: 2, runtime, checkpoints: store });
    expect(r.result).toMatchObject({ exitCode: 0 });
    expect(eventKinds(r.events)).toEqual(["note checkpoint-not-restored", "started", "finished"]);
    expect(r.notes[0]).toMatchObject({ kind: "checkpoint-not-restored", fromAttempt: 1, error: expect.stringMatching(/not the save the task recorded/) });
    const [first, second] = runtime.containers();
    expect(first!.removed && !first!.startedAt).toBe(true);
    expect(second!.startedAt).toBeTruthy();
    const gone = runningTask({}, { checkpoint }, 2);
    gone.lastCheckpoint = { attempt: 1, time: 2, sizeBytes: 8, digest: `SHA-256=${"A".repeat(43)}=` };
    const r2 = await run({ task: gone, attempt: 2, checkpoints: store });
    expect(r2.notes[0]).toMatchObject({ kind: "checkpoint-not-restored", error: expect.stringMatching(/not in the object store/) });
    expect(r2.result).toMatchObject({ exitCode: 0 });
  });

  it("a directory past the size limit is said once and not tried again, the final save included", async () => {
    const runtime = fakeRuntime();
    runtime.archives.set("/work/ckpt", Buffer.from("x"));
    const store = new MemoryCheckpoints();
    store.failing = new CheckpointTooLargeError(1);
    const r = await run({ behaviour: { durationMs: 250 }, spec: { checkpoint }, runtime, checkpoints: store });
    expect(r.notes).toHaveLength(1);
    expect(store.puts).toBe(1);
  });

  it("saves nothing more once the record gives the task to a later attempt (fenced), not even at the end", async () => {
    const runtime = fakeRuntime();
    runtime.archives.set("/work/ckpt", Buffer.from("x"));
    const records = new MemoryRecords();
    const t = runningTask({ durationMs: 400 }, { checkpoint });
    records.set(t);
    const l = await launch({ task: t, runtime, records });
    await until(() => l.events.some((e) => e.type === "checkpoint"), "a first save");
    const next = structuredClone(t);
    next.attempts.push({ number: 2, state: "PENDING", notBefore: 0 });
    next.state = "PENDING";
    records.set(next); // also stops the attempt (superseded)
    const r = await l.ended();
    const before = saves(r.events).length;
    expect(before).toBeGreaterThanOrEqual(1);
    await new Promise((res) => setTimeout(res, 120));
    expect(saves(r.events)).toHaveLength(before);
    expect(eventKinds(r.events).at(-1)).toBe("finished");
  });

  it("a store that fails is said once, and the attempt runs on to its end", async () => {
    const runtime = fakeRuntime();
    runtime.archives.set("/work/ckpt", Buffer.from("x"));
    const store = new MemoryCheckpoints();
    store.failing = new Error("NATS unavailable");
    const r = await run({ behaviour: { durationMs: 250 }, spec: { checkpoint }, runtime, checkpoints: store });
    expect(r.notes).toEqual([{ kind: "checkpoint-not-saved", error: "NATS unavailable" }]);
    expect(saves(r.events)).toEqual([]);
    expect(finished(r.events).outcome).toMatchObject({ exitCode: 0 });
  });
});

/** The mtime a dirsTar header carries (octal at 136), so the expected archive is built with the same. */
function dirsMtime(tar: Buffer): number {
  return parseInt(tar.subarray(136, 147).toString("latin1"), 8);
}

describe("dirsTar", () => {
  it("makes ustar directory headers with a valid checksum, long paths split into prefix and name, and the end blocks", () => {
    const long = `${"a".repeat(120)}/${"b".repeat(60)}`;
    const tar = dirsTar(["x", long], { uid: 5, gid: 6 }, 1_700_000_000);
    expect(tar.length).toBe(4 * 512);
    const h = tar.subarray(0, 512);
    expect(h.subarray(0, 2).toString()).toBe("x/");
    expect(h.toString("latin1", 156, 157)).toBe("5");
    expect(h.toString("latin1", 257, 262)).toBe("ustar");
    expect(parseInt(h.toString("latin1", 108, 115), 8)).toBe(5);
    const sum = [...h].reduce((n, b, i) => n + (i >= 148 && i < 156 ? 32 : b), 0);
    expect(parseInt(h.toString("latin1", 148, 154), 8)).toBe(sum);
    const h2 = tar.subarray(512, 1024);
    expect(h2.toString("utf8", 345, 345 + 120)).toBe("a".repeat(120));
    expect(h2.toString("utf8", 0, 61)).toBe(`${"b".repeat(60)}/`);
    expect(tar.subarray(1024).every((b) => b === 0)).toBe(true);
    expect(() => dirsTar(["c".repeat(300)], { uid: 0, gid: 0 })).toThrow(/too long/);
    // A uid past 7 octal digits: GNU base-256 (high bit set, big-endian).
    const big = dirsTar(["d"], { uid: 4_000_000_000, gid: 7 }).subarray(0, 512);
    expect(big[108]).toBe(0x80);
    expect(big.readUInt32BE(112)).toBe(4_000_000_000);
  });
});
