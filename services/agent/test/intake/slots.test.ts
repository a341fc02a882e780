/** The agent's task slots (slots.ts): a counting semaphore with abortable waits. */
import { describe, expect, it } from "vitest";
import { Slots } from "../../src/intake/slots.js";
import { tick, track } from "../fixtures.js";

const never = () => new AbortController().signal;

describe("Slots", () => {
  it("acquire() succeeds at once up to total, then blocks", async () => {
    const s = new Slots(2);
    await s.acquire(never());
    await s.acquire(never());
    expect(s.free).toBe(0);
    const third = track(s.acquire(never()));
    await tick();
    expect(third.settled).toBe(false);
  });

  it("release() wakes one waiter, in order of arrival", async () => {
    const s = new Slots(1);
    await s.acquire(never());
    const a = track(s.acquire(never()));
    const b = track(s.acquire(never()));
    await tick();
    s.release();
    await tick();
    expect([a.settled, b.settled]).toEqual([true, false]);
    expect(s.free).toBe(0);
    s.release();
    await tick();
    expect(b.settled).toBe(true);
  });

  it("abort rejects a waiting acquire() with the signal's reason and takes no slot", async () => {
    const s = new Slots(1);
    await s.acquire(never());
    const ac = new AbortController();
    const w = track(s.acquire(ac.signal));
    await tick();
    ac.abort(new Error("shutting down"));
    await tick();
    expect(w.settled).toBe(true);
    expect((w.error as Error).message).toBe("shutting down");
    expect(s.free).toBe(0);
    s.release();
    expect(s.free).toBe(1);
  });

  it("acquire() with an already aborted signal rejects, even with slots free", async () => {
    const s = new Slots(1);
    const ac = new AbortController();
    ac.abort();
    await expect(s.acquire(ac.signal)).rejects.toThrow();
    expect(s.free).toBe(1);
  });

  it("release() without acquire() throws", () => {
    expect(() => new Slots(1).release()).toThrow("release without acquire");
  });

  it("free counts down and up", async () => {
    const s = new Slots(3);
    expect(s.free).toBe(3);
    await s.acquire(never());
    expect(s.free).toBe(2);
    s.release();
    expect(s.free).toBe(3);
  });

  // An aborted waiter's wake-up function stays in `waiters`; the next release() shifts that
  // stale one and wakes nobody, so a live waiter stays blocked while a slot is free.
  it("after a waiter aborts, release() still wakes the next live waiter", async () => {
    const s = new Slots(1);
    await s.acquire(never());
    const ac = new AbortController();
    const aborted = track(s.acquire(ac.signal));
    const live = track(s.acquire(never()));
    await tick();
    ac.abort();
    await tick();
    expect(aborted.error).toBeDefined();
    s.release();
    await tick();
    expect(live.settled).toBe(true);
  });
});
