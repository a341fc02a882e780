/**
 * The counted log position: output shipped from the attach stream (no stamps, cut anywhere) is
 * resumed from the engine's log (one entry a line, stamped) with nothing repeated and nothing
 * lost, per stream, wherever the agent stopped; positions of older agents (stamps) still resume.
 */
import { describe, expect, it } from "vitest";
import { advance, formatPosition, NOTHING_SHIPPED, parsePosition, rereadPlan, type LogPosition } from "../../src/core/log-position.js";
import { LineCutter } from "../../src/core/log-lines.js";
import { nsToStamp, stampNs } from "../../src/core/log-stamps.js";

type Stream = "stdout" | "stderr";
type Entry = { stream: Stream; data: Buffer; stamp: string };
const T = 1_796_000_000_000_000_000n;

/** A deterministic pseudo-random source (tests state their inputs). */
function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** The engine's json-file log of `out`: a line an entry, pieces of a line longer than 16 KiB, each stream's stamps rising, the streams interleaved out of stamp order. */
function engineLog(out: Record<Stream, Buffer>, rand: () => number): Entry[] {
  const lines = (b: Buffer) => {
    const r: Buffer[] = [];
    for (let off = 0; off < b.length; ) {
      const nl = b.indexOf(10, off);
      const end = Math.min(nl < 0 ? b.length : nl + 1, off + 16 * 1024);
      r.push(b.subarray(off, end));
      off = end;
    }
    return r;
  };
  const q = { stdout: lines(out.stdout), stderr: lines(out.stderr) };
  const t = { stdout: 0n, stderr: 0n };
  const log: Entry[] = [];
  while (q.stdout.length || q.stderr.length) {
    const s: Stream = !q.stderr.length ? "stdout" : !q.stdout.length ? "stderr" : rand() < 0.5 ? "stdout" : "stderr";
    t[s] += BigInt(1 + Math.floor(rand() * 1000));
    log.push({ stream: s, data: q[s].shift()!, stamp: nsToStamp(T + t[s] + (s === "stderr" ? 500n : 0n)) });
  }
  return log;
}

/** What the attach stream hands over: each stream's bytes in arbitrary chunks, cut at line ends, interleaved. */
function attachEntries(out: Record<Stream, Buffer>, rand: () => number): { stream: Stream; data: Buffer }[] {
  const r: { stream: Stream; data: Buffer }[] = [];
  const off = { stdout: 0, stderr: 0 };
  const cut = { stdout: new LineCutter(), stderr: new LineCutter() };
  while (off.stdout < out.stdout.length || off.stderr < out.stderr.length) {
    const s: Stream = off.stderr >= out.stderr.length ? "stdout" : off.stdout >= out.stdout.length ? "stderr" : rand() < 0.5 ? "stdout" : "stderr";
    const n = 1 + Math.floor(rand() * 40);
    const data = cut[s].push(out[s].subarray(off[s], off[s] + n));
    off[s] += n;
    if (data) r.push({ stream: s, data });
  }
  for (const s of ["stdout", "stderr"] as const) {
    const rest = cut[s].flush();
    if (rest) r.push({ stream: s, data: rest });
  }
  return r;
}

/** Re-reads `log` as the engine would from `p` (its `since` included), shipping what was not; returns the new position. */
function reread(log: Entry[], p: LogPosition, shipped: Record<Stream, Buffer[]>, upTo = log.length): LogPosition {
  const { since, unshipped } = rereadPlan(p);
  for (const e of log.slice(0, upTo)) {
    if (since && stampNs(e.stamp)! < stampNs(since)!) continue;
    const data = unshipped(e.stream, e.data, e.stamp);
    if (!data) continue;
    shipped[e.stream].push(data);
    p = advance(p, e.stream, data, e.stamp);
  }
  return p;
}

function output(rand: () => number, lines: number): Record<Stream, Buffer> {
  const gen = (tag: string) =>
    Array.from({ length: lines }, (_, i) => (rand() < 0.05 ? `${tag}${i} ${"x".repeat(17_000)}` : `${tag}${i}`) + (rand() < 0.1 ? " \u00e9t\u00e9" : "") + "\n").join("") + (rand() < 0.5 ? `${tag} no newline` : "");
  return { stdout: Buffer.from(gen("o")), stderr: Buffer.from(gen("e")) };
}

describe("log position", () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))("attach output shipped up to any point, then the engine's log from the start: every byte once, per stream (seed %i)", (seed) => {
    const rand = rng(seed);
    const out = output(rand, 30 + Math.floor(rand() * 50));
    const attach = attachEntries(out, rand);
    const stop = Math.floor(rand() * (attach.length + 1)); // the agent is killed after this many entries
    const shipped: Record<Stream, Buffer[]> = { stdout: [], stderr: [] };
    let p: LogPosition = NOTHING_SHIPPED;
    for (const e of attach.slice(0, stop)) {
      shipped[e.stream].push(e.data);
      p = advance(p, e.stream, e.data);
    }
    // The header the restarted agent reads back, then a recovery that may itself be cut short and resumed.
    const log = engineLog(out, rand);
    p = parsePosition(formatPosition(p));
    p = reread(log, p, shipped, Math.floor(rand() * (log.length + 1)));
    p = reread(log, parsePosition(formatPosition(p)), shipped);
    expect(Buffer.concat(shipped.stdout).toString()).toBe(out.stdout.toString());
    expect(Buffer.concat(shipped.stderr).toString()).toBe(out.stderr.toString());
    // And a last read once everything is out ships nothing more.
    const again: Record<Stream, Buffer[]> = { stdout: [], stderr: [] };
    reread(log, parsePosition(formatPosition(p)), again);
    expect(again).toEqual({ stdout: [], stderr: [] });
  });

  it("counts lines and the bytes of an unfinished one, per stream; a stamp only while the last entry had one", () => {
    let p = advance(NOTHING_SHIPPED, "stdout", Buffer.from("a\nb\nc"));
    expect(p).toEqual({ counted: true, stdout: { lines: 2, partial: 1 }, stderr: { lines: 0, partial: 0 } });
    p = advance(p, "stdout", Buffer.from("cc"));
    p = advance(p, "stderr", Buffer.from("x\n"), "2026-12-02T01:00:00.000000001Z");
    expect(p).toEqual({ counted: true, stdout: { lines: 2, partial: 3 }, stderr: { lines: 1, partial: 0, stamp: "2026-12-02T01:00:00.000000001Z" } });
    expect(formatPosition(p)).toBe("n:2.3,1.0@2026-12-02T01:00:00.000000001Z");
    expect(parsePosition(formatPosition(p))).toEqual(p);
    expect(advance(p, "stderr", Buffer.from("y\n")).counted && (advance(p, "stderr", Buffer.from("y\n")) as { stderr: object }).stderr).toEqual({ lines: 2, partial: 0 });
  });

  it("nothing shipped has no text and reads from the start", () => {
    expect(formatPosition(NOTHING_SHIPPED)).toBeUndefined();
    expect(parsePosition(undefined)).toEqual(NOTHING_SHIPPED);
    expect(rereadPlan(NOTHING_SHIPPED).since).toBeUndefined();
  });

  it("re-reads from the older stamp when both streams' last entries had one; from the start otherwise", () => {
    const a = "2026-12-02T01:00:00.000000005Z";
    const b = "2026-12-02T01:00:00.000000009Z";
    expect(rereadPlan(parsePosition(`n:3.0@${b},2.0@${a}`)).since).toBe(a);
    expect(rereadPlan(parsePosition(`n:3.0@${b},2.0`)).since).toBeUndefined();
    expect(rereadPlan(parsePosition(`n:3.0@${b},0.0`)).since).toBeUndefined();
  });

  it("an older agent's stamps resume by stamp, and stay stamps", () => {
    const s = "2026-12-02T01:00:00.000000005Z";
    const p = parsePosition(s);
    expect(p).toEqual({ counted: false, stamps: { stdout: s, stderr: s } });
    expect(formatPosition(p)).toBe(`${s},${s}`);
    const { unshipped } = rereadPlan(p);
    expect(unshipped("stdout", Buffer.from("old\n"), s)).toBeUndefined();
    expect(unshipped("stdout", Buffer.from("new\n"), "2026-12-02T01:00:00.000000006Z")?.toString()).toBe("new\n");
    const t = "2026-12-02T01:00:00.000000007Z";
    expect(formatPosition(advance(p, "stderr", Buffer.from("e\n"), t))).toBe(`${s},${t}`);
  });
});
