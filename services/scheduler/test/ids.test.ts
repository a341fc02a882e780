/** Task ids (core/ids.ts): sortable by creation time, safe as NATS tokens and KV keys. */
import { describe, expect, it } from "vitest";
import { taskId } from "../src/core/ids.js";

/** Twelve random bytes derived from a seed; distinct seeds below 2^20 give distinct ids. */
const rand = (seed: number) => Uint8Array.from({ length: 12 }, (_, i) => ((seed >> (5 * (i % 4))) & 31) + 32 * i);

describe("taskId", () => {
  it("is t- plus 22 lowercase Crockford base32 characters, a valid NATS token", () => {
    for (let i = 0; i < 200; i++) {
      const id = taskId(1_700_000_000_000 + i * 977, rand(i));
      expect(id).toMatch(/^[a-z0-9-]+$/);
      expect(id).toMatch(/^t-[0-9a-hjkmnp-tv-z]{22}$/);
    }
  });

  it("sorts by creation time, whatever the random part", () => {
    const times = [0, 1, 31, 32, 1_023, 1_024, 1_700_000_000_000, 1_700_000_000_001, 4_102_444_800_000];
    const ids = times.map((t, i) => taskId(t, i % 2 ? new Uint8Array(12).fill(255) : new Uint8Array(12)));
    expect([...ids].sort()).toEqual(ids);
  });

  it("in the same millisecond, different randomness gives different ids", () => {
    const ids = new Set(Array.from({ length: 100 }, (_, i) => taskId(1_700_000_000_000, rand(i))));
    expect(ids.size).toBe(100);
  });

  it("is a pure function of time and randomness", () => {
    expect(taskId(1_700_000_000_000, rand(1))).toBe(taskId(1_700_000_000_000, rand(1)));
  });

  it("floors fractional milliseconds", () => {
    expect(taskId(1_700_000_000_000.9, rand(1))).toBe(taskId(1_700_000_000_000, rand(1)));
  });

  it("encodes time 0 and all-zero randomness as zeros", () => {
    expect(taskId(0, new Uint8Array(12))).toBe(`t-${"0".repeat(22)}`);
  });

  it("uses the low 5 bits of each random byte", () => {
    expect(taskId(0, new Uint8Array(12).fill(255)).slice(12)).toBe("z".repeat(12));
    expect(taskId(0, new Uint8Array(12).fill(32 + 10)).slice(12)).toBe("a".repeat(12));
  });
});
