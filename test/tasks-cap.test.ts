// Bounded task records (TRAINYARD_TASKS_MAX_BYTES, issue 11): past 90% of the bound Submit says
// RESOURCE_EXHAUSTED and stores nothing, while tasks already stored still change; above 80%,
// retention deletes finished tasks before their time, oldest first, never one that is not
// final, and Submit works again.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { TaskState } from "@trainyard/client";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { sh, spec } from "./harness/tasks.js";

let c: TestCluster;
// 64 KiB holds a few dozen records; retention sweeps every 2 s (a fortieth of... its 40 s).
clusterForSuite("tasks-cap", { schedulerEnv: { TRAINYARD_TASKS_MAX_BYTES: "65536", TRAINYARD_TASK_RETENTION: "40s" }, agents: [] }, (x) => (c = x));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("task records at their bound", () => {
  it("refuses new tasks with RESOURCE_EXHAUSTED; finished ones then go early, oldest first, and Submit works again", async () => {
    // No agent: the tasks wait, so nothing is final and nothing may be deleted.
    const waiting: string[] = [];
    let refused: unknown;
    // Fill until refused on a fresh reading of the bucket (between readings the scheduler
    // estimates what it created, and may refuse a little early: then a second later it takes more).
    for (let i = 0, retried = false; i < 300; i++) {
      refused = await c.client.submit(spec({ command: sh(`echo ${i}`) })).then((r) => void waiting.push(r.task!.id), (e: unknown) => e);
      if (!refused) retried = false;
      else if (retried) break;
      else {
        retried = true;
        await sleep(1_100);
      }
    }
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.ResourceExhausted);
    expect((refused as ConnectError).rawMessage).toContain("TRAINYARD_TASKS_MAX_BYTES");
    expect(waiting.length).toBeGreaterThan(3);
    const listed = (await c.client.list({ pageSize: 1_000 })).tasks.map((t) => t.id);
    expect(listed.sort()).toEqual([...waiting].sort()); // the refused one was not stored

    // Stored tasks still change: cancel the oldest half (final: they may go now).
    const half = waiting.slice(0, Math.ceil(waiting.length / 2));
    for (const id of half) {
      const r = await c.client.cancel({ taskId: id });
      expect(r.task!.state).toBe(TaskState.CANCELLED);
    }

    // Within a few sweeps the oldest cancelled ones are gone and a new task is taken.
    let taken: string | undefined;
    for (const deadline = Date.now() + 20_000; !taken && Date.now() < deadline; await sleep(250)) {
      taken = await c.client.submit(spec({ command: sh("echo again") })).then((r) => r.task!.id, () => undefined);
    }
    expect(taken).toBeDefined();
    const left = new Set((await c.client.list({ pageSize: 1_000 })).tasks.map((t) => t.id));
    expect(left.has(half[0]!)).toBe(false);
    for (const id of waiting.slice(half.length)) expect(left.has(id)).toBe(true); // never a waiting one
  });
});
