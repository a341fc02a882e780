/** AttemptLog (logs/attempt-log.ts) with a JetStream stand-in: order, message ids, flush, and giving up at shutdown. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JetStreamClient } from "@nats-io/jetstream";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { advance, NOTHING_SHIPPED, parsePosition, type LogPosition } from "../../src/core/log-position.js";
import { AttemptLog } from "../../src/logs/attempt-log.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "trainyard-attempt-log-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

type Published = { subject: string; data: Buffer; msgID?: string };

function fakeJs(publish: (p: Published) => Promise<void>): JetStreamClient {
  return {
    publish: async (subject: string, data: Uint8Array, o?: { msgID?: string }) => {
      await publish({ subject, data: Buffer.from(data), ...(o?.msgID ? { msgID: o.msgID } : {}) });
      return { seq: 1, duplicate: false, stream: "LOGS" };
    },
  } as unknown as JetStreamClient;
}

function log(js: JetStreamClient, signal = new AbortController().signal, maxPublishedBytes?: number) {
  return new AttemptLog({
    js,
    taskId: "t-1",
    attempt: 2,
    nodeId: "n1",
    filePath: join(dir, "t-1", "attempt-2.log"),
    fileMaxBytes: 1 << 20,
    fileKeep: 2,
    logger: pino({ level: "silent" }),
    signal,
    ...(maxPublishedBytes !== undefined ? { maxPublishedBytes } : {}),
  });
}

describe("AttemptLog", () => {
  it("publishes container output up to its quota, then says so once and keeps the rest in the file only", async () => {
    const got: Published[] = [];
    const l = log(fakeJs(async (p) => void got.push(p)), undefined, 100);
    for (let i = 0; i < 50; i++) await l.write("stdout", Date.now(), Buffer.from(`line ${String(i).padStart(2, "0")}\n`)); // 8 bytes each
    l.system("exited with code 0");
    await l.close();
    const all = Buffer.concat(got.map((p) => p.data)).toString();
    const lines = all.split("\n").filter(Boolean);
    expect(lines.slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => `line ${String(i).padStart(2, "0")}`)); // 96 bytes
    expect(lines[12]).toMatch(/^output past 100B \(TRAINYARD_ATTEMPT_LOG_MAX_BYTES\) is no longer published after 96B; the task runs on, and the rest is in .*attempt-2.log on node n1/);
    expect(lines.slice(13)).toEqual(["exited with code 0"]);
    const file = await readFile(join(dir, "t-1", "attempt-2.log"), "utf8");
    expect(file).toContain("stdout line 49");
  });

  it("publishes everything in order with ids <task>:<attempt>:<n>, and writes the file", async () => {
    const got: Published[] = [];
    const l = log(fakeJs(async (p) => void got.push(p)));
    for (let i = 0; i < 1000; i++) await l.write(i % 2 ? "stderr" : "stdout", Date.now(), Buffer.from(`line ${i}\n`));
    l.system("done");
    await l.close();
    expect(got.every((p) => p.subject === "trainyard.logs.t-1.2.n1")).toBe(true);
    // Each id: the frame number and the position the frame brings the output to (log-position.ts).
    expect(got.map((p) => p.msgID!.split(":").slice(0, 3).join(":"))).toEqual(got.map((_, i) => `t-1:2:${i + 1}`));
    expect(got.at(-1)!.msgID).toBe(`t-1:2:${got.length}:n:500.0,500.0`);
    const all = Buffer.concat(got.map((p) => p.data)).toString();
    expect(all).toBe(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join("") + "done\n");
    const file = await readFile(join(dir, "t-1", "attempt-2.log"), "utf8");
    expect(file.split("\n").filter(Boolean)).toHaveLength(1001);
  });

  it("each frame names the lines and bytes shipped up to its end, also when it ends inside an entry", async () => {
    const got: Published[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const l = log(fakeJs(async (p) => {
      await gate; // frames grow to their limit meanwhile
      got.push(p);
    }));
    let at: LogPosition = NOTHING_SHIPPED;
    const write = (text: string, stamp: string) => {
      const data = Buffer.from(text);
      at = advance(at, "stdout", data, stamp);
      return l.write("stdout", Date.now(), data, stamp, at);
    };
    for (let i = 0; i < 60; i++) await write(`${"a".repeat(1023)}\n`, `2026-12-02T01:00:00.${String(i).padStart(9, "0")}Z`);
    await write(`${"b".repeat(16 * 1024 - 1)}\n`, "2026-12-02T01:00:01.000000000Z");
    open();
    await l.close();
    let shipped = Buffer.alloc(0);
    let midEntry = 0;
    for (const p of got) {
      shipped = Buffer.concat([shipped, p.data]);
      const named = parsePosition(p.msgID!.split(":").slice(3).join(":"));
      expect(named.counted && { lines: named.stdout.lines, partial: named.stdout.partial }).toEqual({
        lines: shipped.toString().split("\n").length - 1,
        partial: shipped.length - 1 - shipped.lastIndexOf(10),
      });
      if (shipped.at(-1) !== 10) midEntry++;
    }
    expect(midEntry).toBeGreaterThan(0);
  });

  it("of an entry of many lines that reaches the quota, publishes the whole lines that fit; the file has each line with its time and stream", async () => {
    const got: Published[] = [];
    const l = log(fakeJs(async (p) => void got.push(p)), undefined, 100);
    const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => `line ${String(from + i).padStart(2, "0")}\n`).join(""); // 8 bytes each
    await l.write("stdout", Date.now(), Buffer.from(lines(0, 10)));
    await l.write("stdout", Date.now(), Buffer.from(lines(10, 10)), "2026-12-02T01:00:00.000000001Z");
    await l.close();
    const all = Buffer.concat(got.map((p) => p.data)).toString().split("\n").filter(Boolean);
    expect(all.slice(0, 12)).toEqual(lines(0, 12).split("\n").filter(Boolean));
    expect(all[12]).toMatch(/^output past 100B .* after 96B/);
    expect(all).toHaveLength(13);
    const file = (await readFile(join(dir, "t-1", "attempt-2.log"), "utf8")).split("\n").filter(Boolean);
    expect(file).toHaveLength(20);
    expect(file[19]).toBe("2026-12-02T01:00:00.000000001Z stdout line 19");
    expect(file.every((x) => /^\S+ stdout line \d\d$/.test(x))).toBe(true);
  });

  it("retries a failed publish with the same message id", async () => {
    const ids: string[] = [];
    let fail = 2;
    const l = log(fakeJs(async (p) => {
      ids.push(p.msgID!);
      if (fail-- > 0) throw new Error("timeout");
    }));
    await l.write("stdout", Date.now(), Buffer.from("x\n"));
    await l.close();
    expect(ids).toEqual(["t-1:2:1:n:1.0,0.0", "t-1:2:1:n:1.0,0.0", "t-1:2:1:n:1.0,0.0"]);
  });

  it("never blocks writers or close() for ever when NATS is gone and the agent shuts down", async () => {
    const shutdown = new AbortController();
    const l = log(fakeJs(() => Promise.reject(new Error("no NATS"))), shutdown.signal);
    const big = Buffer.alloc(1024 * 1024, 120);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) writes.push(Promise.resolve(l.write("stdout", Date.now(), big))); // 20 MiB > the 8 MiB queue
    l.system("stopping"); // a SYSTEM line never waits
    shutdown.abort();
    await Promise.all(writes);
    await l.close();
  });
});
