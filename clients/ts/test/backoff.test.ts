import { describe, expect, it } from "vitest";
import { backoffDelay, sleep } from "../src/backoff.js";

describe("backoffDelay", () => {
  it("grows exponentially from initialMs and stops at maxMs (no jitter at random 0)", () => {
    expect([0, 1, 2, 3, 6, 20].map((r) => backoffDelay(r, {}, 0))).toEqual([100, 200, 400, 800, 5000, 5000]);
    expect([0, 1, 2].map((r) => backoffDelay(r, { initialMs: 10, multiplier: 3, maxMs: 50 }, 0))).toEqual([10, 30, 50]);
  });

  it("jitter only shortens, by at most the jitter fraction", () => {
    expect(backoffDelay(10, {}, 0.999)).toBeGreaterThanOrEqual(4000);
    expect(backoffDelay(10, {}, 0.999)).toBeLessThanOrEqual(5000);
    expect(backoffDelay(0, { jitter: 0.5 }, 0.5)).toBe(75);
  });
});

describe("sleep", () => {
  it("rejects at once with the abort reason", async () => {
    const ac = new AbortController();
    const started = Date.now();
    const slept = sleep(10_000, ac.signal);
    ac.abort(new Error("stop"));
    await expect(slept).rejects.toThrow("stop");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
