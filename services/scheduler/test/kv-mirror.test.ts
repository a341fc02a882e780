/** mirrorBucket (store/kv-mirror.ts): every entry in order, and "loaded" said once. */
import { pino } from "pino";
import { expect, it } from "vitest";
import type { KV, KvWatchEntry } from "@nats-io/kv";
import { mirrorBucket } from "../src/store/kv-mirror.js";

function fakeKv(values: number, entries: Partial<KvWatchEntry>[]): KV {
  return {
    status: async () => ({ values }),
    watch: async () => ({
      stop() {},
      async *[Symbol.asyncIterator]() {
        yield* entries as KvWatchEntry[];
      },
    }),
  } as unknown as KV;
}

it("says loaded once, when the stored entries were handed over, though every later change comes with delta 0 too", async () => {
  const seen: string[] = [];
  let loaded = 0;
  const entries = [
    { key: "a", delta: 1 },
    { key: "b", delta: 0 }, // caught up
    { key: "c", delta: 0 }, // live changes: delta is 0 on each
    { key: "d", delta: 0 },
  ];
  await mirrorBucket(fakeKv(2, entries), (e) => void seen.push(`${e.key}${loaded}`), () => loaded++, pino({ level: "silent" }), "test");
  await new Promise((r) => setTimeout(r, 10));
  expect(seen).toEqual(["a0", "b0", "c1", "d1"]);
  expect(loaded).toBe(1);
});

it("says loaded at once for an empty bucket, and not again", async () => {
  let loaded = 0;
  await mirrorBucket(fakeKv(0, [{ key: "x", delta: 0 }]), () => {}, () => loaded++, pino({ level: "silent" }), "test");
  await new Promise((r) => setTimeout(r, 10));
  expect(loaded).toBe(1);
});
