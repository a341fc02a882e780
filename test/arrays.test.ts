// Arrays on real NATS and Docker, with the scheduler and the agent as processes: an array of 10
// with max_parallel 3 never runs 4 at once, across a scheduler killed (-9) and started again;
// per-element env and the TRAINYARD_ARRAY_* variables; idempotent as a whole; List by array_id;
// CancelArray.
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogStream, SubmitArrayRequestSchema, TaskState, type Task } from "@trainyard/client";
import { startProcessCluster, type ProcessCluster } from "./harness/processes.js";
import { ms, readLog, sh, spec, text, waitFinal } from "./harness/tasks.js";

let c: ProcessCluster;
beforeAll(async () => {
  c = await startProcessCluster("arrays", 8);
});
afterAll(() => c?.stop());

const arrayRequest = (script: string, o: { count?: number; maxParallel?: number; elements?: Record<string, string>[]; key?: string }) =>
  create(SubmitArrayRequestSchema, {
    spec: spec({ command: sh(script) }).spec!,
    count: o.count ?? 0,
    maxParallel: o.maxParallel ?? 0,
    elements: (o.elements ?? []).map((env) => ({ env })),
    idempotencyKey: o.key ?? "",
  });

/** The most containers of `tasks` that ran at one moment (from their start and end times). */
function mostAtOnce(tasks: Task[]): number {
  const edges = tasks.flatMap((t) => t.attempts.flatMap((a) => [[ms(a.startTime), 1] as const, [ms(a.endTime), -1] as const]));
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // an end before a start at the same instant
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d));
  return most;
}

describe("SubmitArray", () => {
  it("10 tasks, max_parallel 3: never 4 at once, also across a scheduler kill -9 and restart; each sees its index", async () => {
    const res = await c.scheduler.client.submitArray(arrayRequest('echo "$TRAINYARD_ARRAY_INDEX of $TRAINYARD_ARRAY_COUNT in $TRAINYARD_ARRAY_ID"; sleep 1', { count: 10, maxParallel: 3, key: "ten" }));
    expect(res.arrayId).toMatch(/^a-/);
    expect(res.tasks.map((t) => t.arrayIndex)).toEqual([...Array(10).keys()]);
    expect(res.tasks.every((t) => t.arrayId === res.arrayId && t.state === TaskState.PENDING)).toBe(true);
    // The same key: the same array, the same tasks.
    const again = await c.scheduler.client.submitArray(arrayRequest("echo other", { count: 10, maxParallel: 3, key: "ten" }));
    expect([again.arrayId, again.tasks.map((t) => t.id)]).toEqual([res.arrayId, res.tasks.map((t) => t.id)]);

    // Kill the scheduler once some have run.
    for (;;) {
      const { tasks } = await c.scheduler.client.list({ arrayId: res.arrayId, states: [TaskState.SUCCEEDED] });
      if (tasks.length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await c.restartScheduler();

    const done = await Promise.all(res.tasks.map((t) => waitFinal(c.scheduler.client, t.id, 120_000)));
    expect(done.map((t) => t.state)).toEqual(Array(10).fill(TaskState.SUCCEEDED));
    expect(done.every((t) => t.attempts.length === 1)).toBe(true);
    expect(mostAtOnce(done)).toBeLessThanOrEqual(3);
    expect(mostAtOnce(done)).toBeGreaterThan(1);
    const out = text(await readLog(c.scheduler.client, done[7]!.id), LogStream.STDOUT);
    expect(out).toBe(`7 of 10 in ${res.arrayId}\n`);
    const listed = await c.scheduler.client.list({ arrayId: res.arrayId, pageSize: 1_000 });
    expect(listed.tasks.map((t) => t.id).sort()).toEqual(res.tasks.map((t) => t.id).sort());
  });

  it("one task per element, each with its env; CancelArray cancels what has not ended", async () => {
    const sweep = await c.scheduler.client.submitArray(arrayRequest('echo "lr=$LR"', { elements: [{ LR: "1e-3" }, { LR: "3e-4" }] }));
    const ran = await Promise.all(sweep.tasks.map((t) => waitFinal(c.scheduler.client, t.id)));
    expect(await Promise.all(ran.map(async (t) => text(await readLog(c.scheduler.client, t.id), LogStream.STDOUT)))).toEqual(["lr=1e-3\n", "lr=3e-4\n"]);

    const long = await c.scheduler.client.submitArray(arrayRequest("sleep 60", { count: 4, maxParallel: 1 }));
    await waitFinal(c.scheduler.client, long.tasks[0]!.id, 3_000).catch(() => {}); // give the first time to start
    const cancelled = await c.scheduler.client.cancelArray({ arrayId: long.arrayId, reason: "enough" });
    expect(cancelled.tasks).toHaveLength(4);
    const final = await Promise.all(long.tasks.map((t) => waitFinal(c.scheduler.client, t.id, 60_000)));
    expect(final.map((t) => t.state)).toEqual(Array(4).fill(TaskState.CANCELLED));
    await expect(c.scheduler.client.cancelArray({ arrayId: "a-00000000000000000000zz" })).rejects.toMatchObject({ code: 5 });
    await expect(c.scheduler.client.submitArray(arrayRequest("true", { count: 1001 }))).rejects.toMatchObject({ code: 3, rawMessage: expect.stringContaining("count") });
  });
});
