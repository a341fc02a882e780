/** Self-fencing, applied (liveness/lease-guard.ts). */
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import type { StopCause } from "../../src/core/classify.js";
import { LeaseGuard } from "../../src/liveness/lease-guard.js";

describe("LeaseGuard", () => {
  it("stops everything while silent past the fence point, and again for attempts started meanwhile", () => {
    let silent = 0;
    const causes: StopCause[] = [];
    const g = new LeaseGuard(10_000, () => silent, (c) => (causes.push(c), 1), pino({ level: "silent" }));
    g.check();
    expect(causes).toEqual([]);
    silent = 6_500;
    g.check();
    g.check();
    expect(causes.map((c) => c.kind)).toEqual(["isolated", "isolated"]);
    silent = 10;
    g.check();
    expect(causes).toHaveLength(2);
  });
});
