/** Self-fencing, the decision (core/self-fence.ts): when an agent cut off from NATS stops its tasks. */
import { describe, expect, it } from "vitest";
import { endMessage } from "@trainyard/common";
import { classify, ended } from "../../src/core/classify.js";
import { checkEveryMs, FENCE_AT, selfFence } from "../../src/core/self-fence.js";

describe("selfFence", () => {
  it.each([
    [0, 15_000, false],
    [8_999, 15_000, false],
    [9_000, 15_000, false],
    [9_001, 15_000, true],
    [60_000, 15_000, true],
    [1_900, 3_000, true],
  ])("silent %i ms with lease %i ms: fence %s", (silent, lease, fence) => {
    expect(selfFence(silent, lease) !== null).toBe(fence);
  });

  it.each([3_000, 15_000, 60_000])("with a %i ms lease, the fence point plus a check interval plus the grace leave a tenth of the lease for Docker", (lease) => {
    const c = selfFence(lease * FENCE_AT + 1, lease)!;
    expect(c.graceMs).toBe(Math.round(lease * 0.2));
    const worst = lease * FENCE_AT + checkEveryMs(lease) + c.graceMs;
    expect(worst).toBeLessThanOrEqual(lease * 0.9);
  });

  it("classifies as NODE_LOST (an infrastructure failure) with the reason", () => {
    const o = classify(ended({ exitCode: 137, oomKilled: false }, selfFence(9_500, 15_000)!));
    expect(o.failureReason).toBe("NODE_LOST");
    expect(endMessage(o.end)).toBe("stopped: no contact with NATS for 9.5s (lease 15s): another node may run this task");
  });
});
