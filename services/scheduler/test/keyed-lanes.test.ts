import { describe, expect, it } from "vitest";
import { KeyedLanes } from "../src/bus/keyed-lanes.js";

const tick = () => new Promise((r) => setImmediate(r));

describe("KeyedLanes", () => {
  it("runs one key's work in the order pushed, one at a time, and other keys' at once", async () => {
    const lanes = new KeyedLanes(10);
    const log: string[] = [];
    const gates = new Map<string, () => void>();
    const work = (name: string) => () =>
      new Promise<void>((r) => {
        log.push(`start ${name}`);
        gates.set(name, () => (log.push(`end ${name}`), r()));
      });
    await lanes.push("a", work("a1"));
    await lanes.push("a", work("a2"));
    await lanes.push("b", work("b1"));
    await tick();
    expect(log).toEqual(["start a1", "start b1"]);
    gates.get("a1")!();
    await tick();
    expect(log).toEqual(["start a1", "start b1", "end a1", "start a2"]);
    gates.get("b1")!();
    gates.get("a2")!();
    await lanes.idle();
    expect(log.filter((l) => l.startsWith("end"))).toEqual(["end a1", "end b1", "end a2"]);
  });

  it("holds at most `limit` items: push waits for room", async () => {
    const lanes = new KeyedLanes(2);
    const release: (() => void)[] = [];
    const work = () => new Promise<void>((r) => release.push(r));
    await lanes.push("a", work);
    await lanes.push("b", work);
    let third = false;
    const pushed = lanes.push("c", work).then(() => (third = true));
    await tick();
    expect(third).toBe(false);
    release.shift()!();
    await pushed;
    expect(third).toBe(true);
    release.forEach((r) => r());
    await tick();
    release.forEach((r) => r());
    await lanes.idle();
  });
});
