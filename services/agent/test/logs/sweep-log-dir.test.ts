/** The host log directory's retention (logs/sweep-log-dir.ts), on real files. */
import { mkdir, mkdtemp, readdir, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sweepLogDir } from "../../src/logs/sweep-log-dir.js";

describe("sweepLogDir", () => {
  it("removes task directories not written for the retention, keeps recent ones, held tasks and anything else", async () => {
    const dir = await mkdtemp(join(os.tmpdir(), "trainyard-sweep-"));
    const day = 86_400_000;
    const now = Date.now();
    const make = async (name: string, ageMs: number, newerFileAgeMs?: number) => {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, "attempt-1.log"), "x\n");
      const old = new Date(now - ageMs);
      await utimes(join(dir, name, "attempt-1.log"), old, old);
      if (newerFileAgeMs !== undefined) {
        await writeFile(join(dir, name, "attempt-2.log"), "y\n");
        const newer = new Date(now - newerFileAgeMs);
        await utimes(join(dir, name, "attempt-2.log"), newer, newer);
      }
      await utimes(join(dir, name), old, old);
    };
    await make("t-0000000000000000000old", 8 * day);
    await make("t-00000000000000000young", 1 * day);
    await make("t-000000000000000retried", 8 * day, 1 * day);
    await make("t-0000000000000000000run", 8 * day);
    await make("not-a-task", 30 * day);
    const removed = await sweepLogDir(dir, 7 * day, now, (id) => id === "t-0000000000000000000run");
    expect(removed).toEqual(["t-0000000000000000000old"]);
    expect((await readdir(dir)).sort()).toEqual(["not-a-task", "t-0000000000000000000run", "t-000000000000000retried", "t-00000000000000000young"].sort());
  });
});
