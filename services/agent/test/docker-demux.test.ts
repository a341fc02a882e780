/** Docker's multiplexed log stream (runtime/docker-demux.ts), fed in awkward pieces. */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { demuxLogEntries, parseEntry, parseRfc3339Nano } from "../src/runtime/docker-demux.js";
import type { LogEntry } from "../src/runtime/container-runtime.js";
import { prng } from "./fixtures.js";

const TS = "2026-11-28T15:12:58.644945409Z";
const TS_MS = Date.UTC(2026, 10, 28, 15, 12, 58) + 644.945409;

/** One multiplexed record: [type, 0, 0, 0, size BE] + payload. */
function record(type: number, payload: string | Buffer): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : payload;
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

/** Cuts `buf` at the given offsets. */
function cut(buf: Buffer, at: number[]): Buffer[] {
  const points = [0, ...at.filter((n) => n > 0 && n < buf.length).sort((a, b) => a - b), buf.length];
  return points.slice(1).map((end, i) => buf.subarray(points[i], end)).filter((b) => b.length);
}

async function demux(chunks: Buffer[]): Promise<{ stream: LogEntry["stream"]; time: number; data: string }[]> {
  const out = [];
  for await (const e of demuxLogEntries(Readable.from(chunks))) out.push({ stream: e.stream, time: e.time, data: e.data.toString() });
  return out;
}

const stream = Buffer.concat([
  record(1, `${TS} hello\n`),
  record(2, `2026-11-28T15:12:59.000000001Z oops\n`),
  record(1, `2026-11-28T15:13:00Z `), // an empty line without its newline (a partial)
  record(1, `2026-11-28T15:13:01.5+01:00 ${"x".repeat(300)}\n`),
]);
const expected = [
  { stream: "stdout", time: TS_MS, data: "hello\n" },
  { stream: "stderr", time: Date.UTC(2026, 10, 28, 15, 12, 59) + 0.000001, data: "oops\n" },
  { stream: "stdout", time: Date.UTC(2026, 10, 28, 15, 13, 0), data: "" },
  { stream: "stdout", time: Date.UTC(2026, 10, 28, 14, 13, 1, 500), data: `${"x".repeat(300)}\n` },
];

function expectEntries(actual: Awaited<ReturnType<typeof demux>>) {
  expect(actual.map((e) => [e.stream, e.data])).toEqual(expected.map((e) => [e.stream, e.data]));
  actual.forEach((e, i) => expect(e.time).toBeCloseTo(expected[i]!.time, 3));
}

describe("demuxLogEntries", () => {
  it.each([
    ["in one chunk", []],
    ["split inside the first header", [3]],
    ["split right after a header", [8]],
    ["split inside the size field", [5, 6, 7]],
    ["split inside the timestamp", [20]],
    ["split at every record boundary", [8 + TS.length + 7]],
    ["split one byte before the end", [stream.length - 1]],
  ])("parses every entry %s", async (_, at) => {
    expectEntries(await demux(cut(stream, at)));
  });

  it("parses every entry fed one byte at a time", async () => {
    expectEntries(await demux(cut(stream, Array.from({ length: stream.length }, (_, i) => i))));
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])("parses every entry fed in random pieces (seed %i)", async (seed) => {
    const rnd = prng(seed);
    const at = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => Math.floor(rnd() * stream.length));
    expectEntries(await demux(cut(stream, at)));
  });

  it("skips stdin (type 0) and unknown record types", async () => {
    const out = await demux([Buffer.concat([record(0, `${TS} in\n`), record(3, "error"), record(1, `${TS} out\n`)])]);
    expect(out.map((e) => e.data)).toEqual(["out\n"]);
  });

  it("an empty stream yields nothing", async () => {
    expect(await demux([])).toEqual([]);
  });

  it("a record cut off by the end of the stream is dropped", async () => {
    const whole = record(1, `${TS} complete\n`);
    const partial = record(1, `${TS} never finished\n`).subarray(0, 20);
    expect((await demux([whole, partial])).map((e) => e.data)).toEqual(["complete\n"]);
  });

  it("keeps binary payloads byte for byte", async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 0x80]);
    const out: Buffer[] = [];
    for await (const e of demuxLogEntries(Readable.from([record(2, Buffer.concat([Buffer.from(`${TS} `), bytes]))]))) out.push(e.data);
    expect(out).toEqual([bytes]);
  });
});

describe("parseEntry", () => {
  it("a payload without a timestamp keeps all its bytes and is stamped now", () => {
    const before = Date.now();
    const e = parseEntry("stdout", Buffer.from("no timestamp here"));
    expect(e.data.toString()).toBe("no timestamp here");
    expect(e.time).toBeGreaterThanOrEqual(before);
    expect(e.time).toBeLessThanOrEqual(Date.now());
  });

  it("a payload starting with a space is not split", () => {
    expect(parseEntry("stderr", Buffer.from(" x")).data.toString()).toBe(" x");
  });
});

describe("parseRfc3339Nano", () => {
  it.each([
    [TS, TS_MS],
    ["2026-11-28T15:12:58Z", Date.UTC(2026, 10, 28, 15, 12, 58)],
    ["2026-11-28T15:12:58.5Z", Date.UTC(2026, 10, 28, 15, 12, 58, 500)],
    ["2026-11-28T15:12:58.000000001Z", Date.UTC(2026, 10, 28, 15, 12, 58) + 0.000001],
    ["2026-11-28T15:12:58.123456Z", Date.UTC(2026, 10, 28, 15, 12, 58) + 123.456],
    ["2026-11-28T15:12:58.25+02:00", Date.UTC(2026, 10, 28, 13, 12, 58, 250)],
    ["2026-11-28T15:12:58-05:30", Date.UTC(2026, 10, 28, 20, 42, 58)],
    ["1970-01-01T00:00:00Z", 0],
  ])("%s → %d ms", (s, ms) => {
    expect(parseRfc3339Nano(s)).toBeCloseTo(ms, 4);
  });

  it("keeps the sub-millisecond part as a fraction", () => {
    const ms = parseRfc3339Nano("2026-11-28T15:12:58.644945409Z");
    expect(ms - Math.floor(ms)).toBeCloseTo(0.945409, 3);
  });

  it.each([
    "",
    "garbage",
    "2026-11-28 15:12:58Z",
    "2026-11-28T15:12:58",
    "2026-11-28T15:12:58.Z",
    "2026-11-28T15:12:58.1234567890Z",
    "2026-11-28T15:12Z",
    "2026-13-45T99:99:99Z",
  ])("%j → NaN", (s) => {
    expect(parseRfc3339Nano(s)).toBeNaN();
  });
});
