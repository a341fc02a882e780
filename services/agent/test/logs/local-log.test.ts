/** LocalLog (logs/local-log.ts): an attempt's recent output in memory, with live wake-ups. */
import { describe, expect, it } from "vitest";
import { LocalLog } from "../../src/logs/local-log.js";
import { tick, track } from "../fixtures.js";

function logWith(n: number, maxEntries = 10_000) {
  const l = new LocalLog(3, maxEntries);
  for (let i = 1; i <= n; i++) l.append(i % 2 ? "stdout" : "stderr", 100 + i, Buffer.from(`line ${i}\n`));
  return l;
}
const seqs = (l: LocalLog, after: number) => l.since(after).map((f) => f.seq);

describe("LocalLog", () => {
  it("numbers entries 1, 2, 3… and stamps them with the attempt, stream, time and data", () => {
    const l = logWith(2);
    expect(l.since(0)).toEqual([
      { seq: 1, attempt: 3, stream: "stdout", time: 101, data: Buffer.from("line 1\n") },
      { seq: 2, attempt: 3, stream: "stderr", time: 102, data: Buffer.from("line 2\n") },
    ]);
  });

  it.each([
    [0, [1, 2, 3, 4, 5]],
    [1, [2, 3, 4, 5]],
    [4, [5]],
    [5, []],
    [99, []],
  ])("since(%i) → seqs %j", (after, expected) => {
    expect(seqs(logWith(5), after)).toEqual(expected);
  });

  it("an empty log has nothing since 0", () => {
    expect(new LocalLog().since(0)).toEqual([]);
  });

  it.each([
    [0, [8, 9, 10]],
    [3, [8, 9, 10]],
    [7, [8, 9, 10]],
    [8, [9, 10]],
    [10, []],
  ])("holds only the last maxEntries (3 of 10): since(%i) → seqs %j", (after, expected) => {
    expect(seqs(logWith(10, 3), after)).toEqual(expected);
  });

  it("seqs keep counting after the ring drops entries", () => {
    const l = logWith(10, 3);
    l.append("stdout", 1, Buffer.from("x"));
    expect(seqs(l, 0)).toEqual([9, 10, 11]);
  });

  it("changed() resolves on the next append", async () => {
    const l = logWith(1);
    const c = track(l.changed(new AbortController().signal));
    await tick();
    expect(c.settled).toBe(false);
    l.append("stdout", 1, Buffer.from("x"));
    await tick();
    expect(c.settled).toBe(true);
  });

  it("changed() resolves on end(), and ended turns true", async () => {
    const l = logWith(1);
    expect(l.ended).toBe(false);
    const c = track(l.changed(new AbortController().signal));
    l.end();
    await tick();
    expect(c.settled).toBe(true);
    expect(l.ended).toBe(true);
  });

  it("changed() resolves (does not reject) when its signal aborts", async () => {
    const l = logWith(1);
    const ac = new AbortController();
    const c = track(l.changed(ac.signal));
    ac.abort();
    await tick();
    expect(c.settled).toBe(true);
    expect(c).not.toHaveProperty("error");
  });

  it("every follower waiting is woken by one append", async () => {
    const l = logWith(0);
    const cs = [1, 2, 3].map(() => track(l.changed(new AbortController().signal)));
    l.append("stdout", 1, Buffer.from("x"));
    await tick();
    expect(cs.map((c) => c.settled)).toEqual([true, true, true]);
  });
});
