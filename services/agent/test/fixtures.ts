/** Plain-data fixtures and small async helpers for the agent's unit tests. */
import { taskSpec } from "../../../packages/common/test/fixtures.js";
import type { TaskRecord, TaskSpec } from "@trainyard/common";

export function spec(patch: Partial<TaskSpec> = {}): TaskSpec {
  return taskSpec({ command: ["sh", "-c", "echo hi"], ...patch });
}

/** A task whose current attempt is `attempt` (earlier ones FAILED), in the given state. */
export function task(
  state: TaskRecord["state"] = "PENDING",
  attempt = 1,
  patch: Partial<TaskRecord> = {},
  s: TaskSpec = spec(),
): TaskRecord {
  const earlier = Array.from({ length: attempt - 1 }, (_, i) => ({ number: i + 1, state: "FAILED" as const, notBefore: 0, exitCode: 1 }));
  return {
    id: "t-0000000000000000000001",
    spec: s,
    state,
    attempts: [...earlier, { number: attempt, state, notBefore: 0 }],
    message: "",
    createTime: 0,
    ...patch,
  };
}

/** A small seeded PRNG (mulberry32): the same seed, the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Lets pending promise callbacks and immediate callbacks run. */
export const tick = () => new Promise<void>((r) => setImmediate(r));

/** Tracks whether a promise has settled, and how. */
export function track<V>(p: Promise<V>) {
  const s: { settled: boolean; value?: V; error?: unknown } = { settled: false };
  p.then(
    (value) => Object.assign(s, { settled: true, value }),
    (error: unknown) => Object.assign(s, { settled: true, error }),
  );
  return s;
}

/**
 * Waits until `holds()` is true, checking every 5 ms; throws naming `what` once `deadlineMs`
 * has passed. The one polling helper of the agent's unit tests: wait on a condition, never on
 * a bare timer.
 */
export async function until(holds: () => boolean, what: string, deadlineMs = 2_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!holds()) {
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
