/** The services' one retry loop (retry.ts) and start-up steps retried while NATS is away (nats/connect.ts). */
import { errors } from "@nats-io/transport-node";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { whileNatsStarts } from "../src/nats/connect.js";
import { retry } from "../src/retry.js";

/** An operation failing `failures` times with `error()`, then answering "ok"; counts its calls. */
function flaky(failures: number, error: () => Error = () => new Error("boom")) {
  const op = async () => {
    op.calls++;
    if (op.calls <= failures) throw error();
    return "ok";
  };
  op.calls = 0;
  return op;
}

describe("retry", () => {
  it("waits initialMs × 2^n between tries, capped, with no jitter by default", async () => {
    const waits: number[] = [];
    const op = flaky(5);
    await expect(retry(op, { backoff: { initialMs: 1, maxMs: 8 }, onRetry: (_, ms) => waits.push(ms) })).resolves.toBe("ok");
    expect(waits).toEqual([1, 2, 4, 8, 8]);
    expect(op.calls).toBe(6);
  });

  it("throws the last error after `retries` retries", async () => {
    const op = flaky(10);
    await expect(retry(op, { backoff: { initialMs: 1 }, retries: 2 })).rejects.toThrow("boom");
    expect(op.calls).toBe(3);
  });

  it("throws at once an error `retryIf` refuses", async () => {
    const op = flaky(10, () => new TypeError("a bug"));
    await expect(retry(op, { backoff: { initialMs: 1 }, retryIf: (e) => !(e instanceof TypeError) })).rejects.toThrow("a bug");
    expect(op.calls).toBe(1);
  });

  it("ends a wait when the signal aborts, with its reason; a failure after the abort is thrown as it is", async () => {
    const ac = new AbortController();
    const waiting = retry(flaky(10), { backoff: { initialMs: 60_000 }, signal: ac.signal });
    setImmediate(() => ac.abort(new Error("shutting down")));
    await expect(waiting).rejects.toThrow("shutting down");
    await expect(retry(flaky(10), { backoff: { initialMs: 1 }, signal: AbortSignal.abort() })).rejects.toThrow("boom");
  });
});

describe("whileNatsStarts", () => {
  const logger = pino({ level: "silent" });

  it("retries a step while NATS does not answer (a request timing out), then returns its result", async () => {
    const step = flaky(2, () => new errors.TimeoutError());
    await expect(whileNatsStarts("setting up", step, logger)).resolves.toBe("ok");
    expect(step.calls).toBe(3);
  });

  it("does not retry other errors", async () => {
    const step = flaky(2, () => new Error("stream name already in use with a different configuration"));
    await expect(whileNatsStarts("setting up", step, logger)).rejects.toThrow("already in use");
    expect(step.calls).toBe(1);
  });
});
