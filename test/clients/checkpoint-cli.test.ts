// `trainyard submit --checkpoint`, `trainyard get` and `trainyard checkpoint` in process, against
// the scheduler's real handlers in memory (services/scheduler/test/memory.ts) with a fake
// checkpoints store serving tar archives built here; the unpacking runs the system's tar. Fast:
// no NATS, no Docker, no child `trainyard` process (the program is built as main.ts builds it,
// and errors become exit codes through the same errorExit).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRouterTransport } from "@connectrpc/connect";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { trainyardClient } from "@trainyard/client/trainyard-client";
import { buildProgram } from "@trainyard/client/cli/program";
import { errorExit } from "@trainyard/client/cli/exit-code";
import type { Terminal } from "@trainyard/client/cli/terminal";
import { CheckpointCorruptError, CheckpointMissingError, checkpointName, type CheckpointInfo } from "@trainyard/common";
import { errorInterceptor } from "@trainyard/common/grpc/index";
import { schedulerRoutes } from "../../services/scheduler/src/routes.js";
import { memoryScheduler, type MemoryScheduler } from "../../services/scheduler/test/memory.js";

/** One ustar member: a directory ("5") or a regular file ("0"). */
function member(name: string, body = "", type: "0" | "5" = body || !name.endsWith("/") ? "0" : "5"): Buffer {
  const data = Buffer.from(body);
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(type === "5" ? "0000755\0" : "0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
  h.write("14720000000\0", 136);
  h.write("        ", 148);
  h.write(type, 156);
  h.write("ustar\0" + "00", 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}
const archive = (...members: Buffer[]) => Buffer.concat([...members, Buffer.alloc(1024)]);
const digestOf = (b: Buffer) => `SHA-256=${createHash("sha256").update(b).digest("base64").replace(/\+/g, "-").replace(/\//g, "_")}`;

/** What the fake store serves for an object name: its bytes (in small pieces), then maybe an error. */
type Served = { data: Buffer; thenThrow?: Error; beforeThrow?: () => Promise<void> };

let m: MemoryScheduler;
let served: Map<string, Served>;
let reads: string[];
let tmp: string;
const client = () => trainyardClient(createRouterTransport(schedulerRoutes(m.deps), { router: { interceptors: [errorInterceptor(pino({ level: "silent" }))] } }));

beforeEach(() => {
  m = memoryScheduler();
  served = new Map();
  reads = [];
  m.deps.checkpoints = {
    async *read(name: string) {
      reads.push(name);
      const s = served.get(name);
      if (!s) throw new CheckpointMissingError(name);
      for (let at = 0; at < s.data.length; at += 700) yield s.data.subarray(at, at + 700);
      await s.beforeThrow?.();
      if (s.thenThrow) throw s.thenThrow;
    },
  };
  tmp = mkdtempSync(path.join(os.tmpdir(), "trainyard-checkpoint-cli-"));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** `trainyard ARGS...` in process; stdout kept as bytes (it may be a tar archive). */
async function trainyard(args: string[], o: { stdoutTty?: boolean } = {}): Promise<Run> {
  const out: Buffer[] = [];
  let stderr = "";
  const term: Terminal = {
    out: async (d) => void out.push(Buffer.from(d)),
    err: async (d) => void (stderr += Buffer.from(d).toString()),
    color: false,
    stdoutTty: o.stdoutTty ?? false,
    stderrTty: false,
    columns: 100,
    rows: 40,
    spinner: () => {},
    close: () => {},
  };
  let code = 0;
  const c = client();
  const program = buildProgram(() => ({ client: c, term, signal: new AbortController().signal, now: () => m.now.ms }), (n) => void (code = n));
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (e) {
    const r = errorExit(e, false);
    code = r.code;
    if (r.line !== undefined) stderr += `trainyard: ${r.line}\n`;
  }
  return { code, stdout: Buffer.concat(out), stderr };
}

/** A task whose spec saves /ckpt, with `save` recorded as its newest checkpoint (when given). */
async function taskWith(save?: { data: Buffer; attempt?: number; timeMs?: number }): Promise<string> {
  const { task } = await m.client.submit({ spec: { image: "busybox", command: ["true"], checkpoint: { path: "/work/ckpt" } } });
  const id = task!.id;
  if (save) await record(id, save);
  return id;
}

/** Records `save` as the task's newest checkpoint (as the checkpoint event would) and serves its bytes. */
async function record(id: string, save: { data: Buffer; attempt?: number; timeMs?: number }, serve: Omit<Served, "data"> = {}): Promise<CheckpointInfo> {
  const info: CheckpointInfo = { attempt: save.attempt ?? 1, time: save.timeMs ?? m.now.ms - 90_000, sizeBytes: save.data.length, digest: digestOf(save.data) };
  const cur = m.store.records.get(id)!;
  await m.store.update({ ...cur.task, lastCheckpoint: info }, cur.revision);
  served.set(checkpointName(id, info), { data: save.data, ...serve });
  return info;
}

const V1 = archive(member("ckpt/"), member("ckpt/step", "100\n"), member("ckpt/model/"), member("ckpt/model/weights.bin", "w".repeat(3000)));
const V2 = archive(member("ckpt/"), member("ckpt/step", "200\n"));

describe("trainyard submit --checkpoint", () => {
  it("stores spec.checkpoint with the interval given, and get shows it, then the last save", async () => {
    const r = await trainyard(["submit", "--image", "busybox", "--checkpoint", "/ckpt", "--checkpoint-interval", "30s", "--", "true"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const id = r.stdout.toString().trim();
    expect(m.store.records.get(id)!.task.spec.checkpoint).toEqual({ path: "/ckpt", intervalMs: 30_000 });
    expect((await trainyard(["get", id])).stdout.toString()).toContain("checkpoint: /ckpt every 30s, none saved yet\n");
    await record(id, { data: V1, attempt: 2, timeMs: m.now.ms - 180_000 });
    expect((await trainyard(["get", id])).stdout.toString()).toContain("checkpoint: /ckpt every 30s, last saved 3m ago (2023-11-14T22:10:20.000Z) by attempt 2, 6.5Ki\n");
  });

  it("refuses a relative path before asking the scheduler (exit 2)", async () => {
    const r = await trainyard(["submit", "--image", "busybox", "--checkpoint", "ckpt", "--", "true"]);
    expect([r.code, r.stderr]).toEqual([2, 'trainyard: --checkpoint: "ckpt" is not an absolute path in the container (e.g. /ckpt)\n']);
    expect(m.store.records.size).toBe(0);
  });
});

describe("trainyard checkpoint ID -o DIR", () => {
  it("creates DIR and unpacks the save under its directory's name, with a summary on stderr", async () => {
    const id = await taskWith({ data: V1, attempt: 2 });
    const dir = path.join(tmp, "out", "nested");
    const r = await trainyard(["checkpoint", id, "-o", dir]);
    expect([r.code, r.stdout.length]).toEqual([0, 0]);
    expect(readdirSync(dir)).toEqual(["ckpt"]); // no scratch directory left
    expect(readFileSync(path.join(dir, "ckpt/step"), "utf8")).toBe("100\n");
    expect(readFileSync(path.join(dir, "ckpt/model/weights.bin"), "utf8")).toBe("w".repeat(3000));
    expect(r.stderr).toBe(`[trainyard] checkpoint of ${id} saved 1m30s ago (2023-11-14T22:11:50.000Z) by attempt 2, 6.5Ki → ${path.join(dir, "ckpt")}\n`);
  });

  it("downloads again, once, when a newer save replaced the one being read (ABORTED), and keeps only the newer one", async () => {
    const id = await taskWith();
    await record(id, { data: V1, attempt: 1 }, {
      thenThrow: new CheckpointMissingError("gone"),
      beforeThrow: async () => void (await record(id, { data: V2, attempt: 2, timeMs: m.now.ms - 1_000 })),
    });
    const r = await trainyard(["checkpoint", id, "-o", tmp]);
    expect(r.code).toBe(0);
    expect(reads.length).toBe(2);
    expect(readFileSync(path.join(tmp, "ckpt/step"), "utf8")).toBe("200\n");
    expect(existsSync(path.join(tmp, "ckpt/model"))).toBe(false);
    expect(r.stderr).toContain(`[trainyard] a newer checkpoint of ${id} replaced the one being downloaded; downloading it\n`);
    expect(r.stderr).toContain("by attempt 2, 2.5Ki"); // the summary names the save it got, not the one first read
  });

  it("gives up after the second ABORTED (exit 1)", async () => {
    const id = await taskWith();
    let attempt = 0;
    const replaceEachTime = async (): Promise<void> => {
      attempt++;
      await record(id, { data: V2, attempt: attempt + 1, timeMs: m.now.ms - 1_000 + attempt }, { thenThrow: new CheckpointMissingError("gone"), beforeThrow: replaceEachTime });
    };
    await record(id, { data: V1 }, { thenThrow: new CheckpointMissingError("gone"), beforeThrow: replaceEachTime });
    const r = await trainyard(["checkpoint", id, "-o", tmp]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/trainyard: ABORTED: a newer checkpoint .* download again\n$/);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("keeps nothing when the data turns out not to be the recorded save (DATA_LOSS after the last piece)", async () => {
    const id = await taskWith();
    await record(id, { data: V1 }, { thenThrow: new CheckpointCorruptError("its data does not match its digest") });
    const r = await trainyard(["checkpoint", id, "-o", tmp]);
    expect([r.code, r.stderr]).toEqual([1, "trainyard: DATA_LOSS: its data does not match its digest\n"]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("keeps nothing when tar refuses a member that climbs out of DIR (exit 1, tar's message)", async () => {
    const id = await taskWith({ data: archive(member("ckpt/"), member("ckpt/ok", "fine"), member("ckpt/../../escaped", "x")) });
    const dir = path.join(tmp, "a", "b");
    const r = await trainyard(["checkpoint", id, "-o", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^trainyard: tar exited with 2: .*\.\./);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(path.join(tmp, "escaped"))).toBe(false);
    expect(existsSync(path.join(tmp, "a", "escaped"))).toBe(false);
  });

  it("never replaces what is already there: refused before downloading (exit 2)", async () => {
    const id = await taskWith({ data: V1 });
    mkdirSync(path.join(tmp, "ckpt"));
    const r = await trainyard(["checkpoint", id, "-o", tmp]);
    expect([r.code, r.stderr]).toEqual([2, `trainyard: -o: ${path.join(tmp, "ckpt")} already exists; remove it, or unpack elsewhere\n`]);
    expect(reads).toEqual([]);
  });

  it("answers NOT_FOUND for a task without a save (exit 1), and -o is required (exit 2)", async () => {
    const id = await taskWith();
    const r = await trainyard(["checkpoint", id, "-o", tmp]);
    expect([r.code, r.stderr]).toEqual([1, `trainyard: NOT_FOUND: task ${id} has no checkpoint yet\n`]);
    expect((await trainyard(["checkpoint", id])).code).toBe(2);
  });
});

describe("trainyard checkpoint ID -o -", () => {
  it("writes the tar archive to stdout byte for byte", async () => {
    const id = await taskWith({ data: V1 });
    const r = await trainyard(["checkpoint", id, "-o", "-"]);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(V1)).toBe(true);
    expect(r.stderr).toMatch(/^\[trainyard\] checkpoint of t-\w+ saved 1m30s ago .* by attempt 1, 6\.5Ki → stdout\n$/);
  });

  it("refuses a terminal as stdout (exit 2)", async () => {
    const id = await taskWith({ data: V1 });
    const r = await trainyard(["checkpoint", id, "-o", "-"], { stdoutTty: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("refusing to write a tar archive to a terminal");
    expect(reads).toEqual([]);
  });

  it("does not start again after ABORTED once bytes went out (exit 1)", async () => {
    const id = await taskWith();
    await record(id, { data: V1 }, { thenThrow: new CheckpointMissingError("gone"), beforeThrow: async () => void (await record(id, { data: V2, attempt: 2 })) });
    const r = await trainyard(["checkpoint", id, "-o", "-"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ABORTED/);
    expect(reads.length).toBe(1);
  });
});
