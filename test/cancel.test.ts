// Cancel on real NATS and Docker: while pending (at once; a later dispatch is not run), while
// running (SIGTERM, SIGKILL after the grace period, container removed), after the end (no-op).
import { describe, expect, it } from "vitest";
import { FailureReason, LogStream, TaskState } from "@trainyard/client";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { fakeHeartbeat } from "./harness/nats.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("cancel", { agents: [{ slots: 2 }] }, (x) => (c = x));

describe("cancel", () => {
  it("cancels a pending task at once, and an agent that later gets its dispatch does not run it", async () => {
    // A node that heartbeats, so the attempt is placed and dispatched there, but no agent pulls yet.
    const id = `later-${process.pid}`;
    await fakeHeartbeat(c.nats.url, id, ["later"]);
    const { task } = await c.client.submit(spec({ command: sh("echo must-not-run"), pool: "later" }));
    await c.waitFor(task!.id, (t) => t.attempts[0]!.dispatchTime !== undefined);
    const { task: cancelled } = await c.client.cancel({ taskId: task!.id, reason: "changed my mind" });
    expect(cancelled!.state).toBe(TaskState.CANCELLED);
    expect(cancelled!.failureReason).toBe(FailureReason.CANCELLED);
    expect(cancelled!.message).toBe("cancelled: changed my mind");

    const late = await c.startAgent({ id, pools: ["later"], slots: 1 });
    // The new agent receives the dispatch, sees the record and drops it; prove it by running a
    // second task in the same pool to completion after it.
    const { task: next } = await c.client.submit(spec({ command: sh("echo second"), pool: "later" }));
    await c.waitForState(next!.id, TaskState.SUCCEEDED);
    const after = (await c.client.get({ taskId: task!.id })).task!;
    expect(after.state).toBe(TaskState.CANCELLED);
    expect(after.attempts[0]!.nodeId).toBe("");
    expect(after.attempts[0]!.containerId).toBe("");
    expect(text(await readLog(c.client, task!.id), LogStream.STDOUT)).toBe("");
    expect(text(await readLog(c.client, task!.id), LogStream.SYSTEM)).toContain("cancelled: changed my mind (while pending)");
    await late.close();
  });

  it("stops a running task with SIGTERM and ends it CANCELLED with its container removed", async () => {
    const { task } = await c.client.submit(spec({ command: sh("echo running; sleep 300"), graceMs: 5_000 }));
    await c.waitFor(task!.id, (t) => t.state === TaskState.RUNNING && t.attempts[0]!.containerId !== "");
    const { task: requested } = await c.client.cancel({ taskId: task!.id, reason: "stop it" });
    expect(requested!.state).toBe(TaskState.RUNNING);
    const done = await c.waitForState(task!.id, TaskState.CANCELLED, 30_000);
    expect(done.failureReason).toBe(FailureReason.CANCELLED);
    expect(done.attempts[0]!.state).toBe(TaskState.CANCELLED);
    expect(done.message).toBe("cancelled: stop it");
    const sys = text(await readLog(c.client, task!.id), LogStream.SYSTEM);
    expect(sys).toContain("cancel requested: stop it");
    expect(sys).toContain("sending SIGTERM");
    expect(sys).not.toContain("sending SIGKILL");
    expect(await c.containers()).toEqual([]);
    const types = (await c.client.getEvents({ taskId: task!.id })).events.map((e) => e.type);
    expect(types).toContain("cancel-requested");
    expect(types.slice(-2)).toEqual(["exited", "cancelled"]);
    expect((await c.client.getEvents({ taskId: task!.id })).events.some((e) => e.type === "note" && e.message.startsWith("sending SIGTERM"))).toBe(true);
  });

  it("sends SIGKILL after the grace period to a running task that ignores SIGTERM", async () => {
    const { task } = await c.client.submit(spec({ command: sh("trap '' TERM; while true; do sleep 1; done"), graceMs: 1_000, maxRetries: 3 }));
    await c.waitFor(task!.id, (t) => t.attempts[0]!.containerId !== "");
    const t0 = Date.now();
    await c.client.cancel({ taskId: task!.id });
    const done = await c.waitForState(task!.id, TaskState.CANCELLED, 30_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
    expect(done.attempts).toHaveLength(1); // a cancelled task is not retried
    expect(text(await readLog(c.client, task!.id), LogStream.SYSTEM)).toContain("still running after 1s: sending SIGKILL");
    expect(await c.containers()).toEqual([]);
  });

  it("returns a finished task unchanged", async () => {
    const { task } = await c.client.submit(spec({ command: ["true"] }));
    const done = await c.waitForState(task!.id, TaskState.SUCCEEDED);
    const { task: again } = await c.client.cancel({ taskId: task!.id, reason: "too late" });
    expect(again).toEqual(done);
  });

  it("cancels a task that waits for its retry delay", async () => {
    const { task } = await c.client.submit(spec({ command: ["false"], maxRetries: 5, delayMs: 60_000 }));
    await c.waitFor(task!.id, (t) => t.attempts.length === 2);
    const { task: cancelled } = await c.client.cancel({ taskId: task!.id });
    expect(cancelled!.state).toBe(TaskState.CANCELLED);
    expect(cancelled!.attempts.map((a) => a.state)).toEqual([TaskState.FAILED, TaskState.CANCELLED]);
  });
});
