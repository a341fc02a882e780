/** RotatingFile (logs/rotating-file.ts) in a temp dir: size rotation, keep count, order, close. */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RotatingFile } from "../../src/logs/rotating-file.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "trainyard-rotating-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (i: number) => `line ${String(i).padStart(3, "0")}\n`; // 9 bytes
const files = async () => (await readdir(dir)).sort();
const read = (name: string) => readFile(join(dir, name), "utf8");

/** maxPendingBytes 0: every write returns the flush, so each one is appended on its own. */
async function writeEach(f: RotatingFile, n: number, from = 0) {
  for (let i = from; i < from + n; i++) await f.write(line(i));
}

describe("RotatingFile", () => {
  it("writes into one file while under maxBytes", async () => {
    const f = new RotatingFile(join(dir, "a.log"), 1_000, 3, 0);
    await writeEach(f, 5);
    await f.close();
    expect(await files()).toEqual(["a.log"]);
    expect(await read("a.log")).toBe([0, 1, 2, 3, 4].map(line).join(""));
  });

  it("cuts a batch larger than the room left at a newline, so no file passes maxBytes", async () => {
    const f = new RotatingFile(join(dir, "a.log"), 20, 5, 1_000_000);
    f.write([0, 1, 2, 3, 4].map(line).join("")); // one 45-byte batch
    await f.close();
    expect(await files()).toEqual(["a.log", "a.log.1", "a.log.2"]);
    expect(await read("a.log.2")).toBe(line(0) + line(1));
    expect(await read("a.log.1")).toBe(line(2) + line(3));
    expect(await read("a.log")).toBe(line(4));
  });

  it("cuts a single line longer than maxBytes inside it, losing nothing", async () => {
    const f = new RotatingFile(join(dir, "a.log"), 10, 5, 0);
    await f.write("x".repeat(25) + "\n");
    await f.close();
    const all = (await Promise.all(["a.log.2", "a.log.1", "a.log"].map(read))).join("");
    expect(all).toBe("x".repeat(25) + "\n");
  });

  it("rotates before a write would pass maxBytes: path is newest, path.1 older", async () => {
    const f = new RotatingFile(join(dir, "a.log"), 20, 3, 0);
    await writeEach(f, 3); // 9 + 9 = 18 fit; the third would make 27
    await f.close();
    expect(await files()).toEqual(["a.log", "a.log.1"]);
    expect(await read("a.log.1")).toBe(line(0) + line(1));
    expect(await read("a.log")).toBe(line(2));
  });

  it("keeps `keep` files in all, deleting the oldest, content in order across them", async () => {
    const f = new RotatingFile(join(dir, "a.log"), 18, 3, 0); // two lines a file
    await writeEach(f, 11);
    await f.close();
    expect(await files()).toEqual(["a.log", "a.log.1", "a.log.2"]);
    const content = (await read("a.log.2")) + (await read("a.log.1")) + (await read("a.log"));
    expect(content).toBe([6, 7, 8, 9, 10].map(line).join(""));
    expect(await read("a.log")).toBe(line(10));
  });

  it.each([2, 5])("never holds more than keep = %i files", async (keep) => {
    const f = new RotatingFile(join(dir, "a.log"), 9, keep, 0); // one line a file
    await writeEach(f, 20);
    await f.close();
    expect((await files()).length).toBe(keep);
    const names = ["a.log", ...Array.from({ length: keep - 1 }, (_, i) => `a.log.${i + 1}`)].reverse();
    const content = (await Promise.all(names.map(read))).join("");
    expect(content).toBe(Array.from({ length: keep }, (_, i) => line(20 - keep + i)).join(""));
  });

  // rotate() removes `${path}.${keep - 1}` and renames path → path.1; with keep = 1 that removes
  // "path.0" (never written) and still keeps path.1, so two files remain (TRAINYARD_LOG_FILE_KEEP=1
  // is allowed by config.ts).
  it("keep = 1 keeps only the current file", async () => {
    const f = new RotatingFile(join(dir, "a.log"), 9, 1, 0);
    await writeEach(f, 5);
    await f.close();
    expect(await files()).toEqual(["a.log"]);
  });

  it("close() flushes writes that were not awaited, in order", async () => {
    const f = new RotatingFile(join(dir, "sub", "dir", "a.log"));
    for (let i = 0; i < 200; i++) expect(f.write(line(i))).toBeUndefined();
    await f.close();
    expect(await readFile(join(dir, "sub", "dir", "a.log"), "utf8")).toBe(Array.from({ length: 200 }, (_, i) => line(i)).join(""));
  });

  it("coalesced unawaited writes are kept in order across rotations", async () => {
    const f = new RotatingFile(join(dir, "a.log"), 50, 100);
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 7; i++) f.write(line(round * 7 + i));
      await new Promise((r) => setTimeout(r, 1));
    }
    await f.close();
    const names = (await files()).sort((a, b) => suffix(b) - suffix(a));
    const content = (await Promise.all(names.map(read))).join("");
    expect(content).toBe(Array.from({ length: 70 }, (_, i) => line(i)).join(""));
  });

  it("close() is idempotent", async () => {
    const f = new RotatingFile(join(dir, "a.log"));
    f.write("x\n");
    const a = f.close();
    expect(f.close()).toBe(a);
    await a;
    await f.close();
    expect(await read("a.log")).toBe("x\n");
  });

  it("close() without writes creates no file", async () => {
    await new RotatingFile(join(dir, "a.log")).close();
    expect(await files()).toEqual([]);
  });

  it("appends to an existing file and counts its size toward rotation", async () => {
    await writeFile(join(dir, "a.log"), line(0) + line(1));
    const f = new RotatingFile(join(dir, "a.log"), 20, 3, 0);
    await writeEach(f, 1, 2);
    await f.close();
    expect(await read("a.log.1")).toBe(line(0) + line(1));
    expect(await read("a.log")).toBe(line(2));
  });

  it("write() returns a promise only past maxPendingBytes, and it resolves once written", async () => {
    const f = new RotatingFile(join(dir, "a.log"), 1_000_000, 3, 20);
    expect(f.write(line(0))).toBeUndefined(); // goes out at once
    expect(f.write(line(1))).toBeUndefined(); // 9 pending
    expect(f.write(line(2))).toBeUndefined(); // 18 pending
    const p = f.write(line(3)); // 27 pending > 20
    expect(p).toBeInstanceOf(Promise);
    await p;
    expect(await read("a.log")).toBe([0, 1, 2, 3].map(line).join(""));
    await f.close();
  });

  it("records the first write error and does not throw it", async () => {
    await writeFile(join(dir, "blocker"), "a file, not a directory");
    const f = new RotatingFile(join(dir, "blocker", "a.log"));
    f.write("x");
    await f.close();
    expect(f.lastError).toBeInstanceOf(Error);
  });
});

function suffix(name: string): number {
  const m = /\.(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
}
