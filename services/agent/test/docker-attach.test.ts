/** Docker's multiplexed attach stream (runtime/docker-attach.ts): raw output, fed in awkward pieces, comes out per stream cut at line ends. */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { demuxAttachBatches } from "../src/runtime/docker-attach.js";
import { prng } from "./fixtures.js";

function record(type: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

async function demux(chunks: Buffer[]): Promise<{ stream: string; data: string }[]> {
  const out = [];
  for await (const batch of demuxAttachBatches(Readable.from(chunks))) for (const e of batch) out.push({ stream: e.stream, data: e.data.toString() });
  return out;
}

const wire = Buffer.concat([record(1, "one\ntw"), record(2, "warn\n"), record(1, "o\nthr"), record(0, "stdin is ignored\n"), record(1, "ee\n"), record(2, "no newline")]);

describe("demuxAttachBatches", () => {
  it("splits the streams and hands on whole lines; what is left of a last line comes at the end", async () => {
    expect(await demux([wire])).toEqual([
      { stream: "stdout", data: "one\n" },
      { stream: "stderr", data: "warn\n" },
      { stream: "stdout", data: "two\n" },
      { stream: "stdout", data: "three\n" },
      { stream: "stderr", data: "no newline" },
    ]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])("gives the same bytes per stream however the wire is cut (seed %i)", async (seed) => {
    const rand = prng(seed);
    const pieces: Buffer[] = [];
    for (let off = 0; off < wire.length; ) {
      const n = 1 + Math.floor(rand() * 12);
      pieces.push(wire.subarray(off, off + n));
      off += n;
    }
    const got = await demux(pieces);
    const of = (s: string) => got.filter((e) => e.stream === s).map((e) => e.data).join("");
    expect(of("stdout")).toBe("one\ntwo\nthree\n");
    expect(of("stderr")).toBe("warn\nno newline");
  });
});
