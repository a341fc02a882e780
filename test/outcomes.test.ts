// How attempts end, on real NATS and real Docker: success, exit codes with retries, OOM kill,
// timeout, missing image. After every task: no container left behind.
import { describe, expect, it } from "vitest";
import { FailureReason, LogStream, TaskState } from "@trainyard/client";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { ms, readLog, sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("outcomes", { agents: [{ slots: 4 }] }, (x) => (c = x));

describe("task outcomes", () => {
  it("is PENDING, saying where it is, until its container runs; RUNNING always has a container; times are the container's", async () => {
    const { task } = await c.client.submit(spec({ command: sh("sleep 0.3; echo hi") }));
    const seen: { state: TaskState; message: string; container: string; start: number }[] = [];
    for await (const r of c.client.watch({ taskId: task!.id })) {
      const t = r.task!;
      const a = t.attempts.at(-1)!;
      seen.push({ state: t.state, message: t.message, container: a.containerId, start: ms(a.startTime) });
      if (t.state === TaskState.SUCCEEDED) break;
    }
    const running = seen.filter((s) => s.state === TaskState.RUNNING);
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((s) => s.container !== "" && s.start > 0)).toBe(true);
    expect(seen.filter((s) => s.state === TaskState.PENDING).map((s) => s.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^preparing on node /)]));
    const done = (await c.client.get({ taskId: task!.id })).task!;
    const a = done.attempts[0]!;
    expect(ms(a.endTime) - ms(a.startTime)).toBeGreaterThanOrEqual(250); // the container's run, sleep 0.3 included
    expect(ms(done.startTime)).toBe(ms(a.startTime));
  });

  it("succeeds with exact stdout and stderr, and removes its container", async () => {
    const { task } = await c.client.submit(spec({ command: sh('printf "one\\ntwo\\n"; printf "warn\\n" >&2; printf "no newline"') }));
    const done = await c.waitForState(task!.id, TaskState.SUCCEEDED);
    expect(done.exitCode).toBe(0);
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]!.nodeId).toBe(c.agents[0]!.nodeId);
    expect(done.attempts[0]!.containerId).toMatch(/^[0-9a-f]{64}$/);
    const frames = await readLog(c.client, task!.id);
    expect(text(frames, LogStream.STDOUT)).toBe("one\ntwo\nno newline");
    expect(text(frames, LogStream.STDERR)).toBe("warn\n");
    expect(text(frames, LogStream.SYSTEM)).toContain("exited with code 0");
    expect(await c.containers()).toEqual([]);
  });

  it("passes env and labels to the container", async () => {
    const { task } = await c.client.submit(spec({ command: sh('echo "$GREETING $TRAINYARD_TASK_ID"'), env: { GREETING: "hello" } }));
    await c.waitForState(task!.id, TaskState.SUCCEEDED);
    expect(text(await readLog(c.client, task!.id), LogStream.STDOUT)).toBe(`hello ${task!.id}\n`);
  });

  it("retries a failing exit code to exhaustion, honouring the delay, and keeps every attempt", async () => {
    const delayMs = 1_500;
    const { task } = await c.client.submit(spec({ command: sh("echo attempt $TRAINYARD_ATTEMPT; exit 3"), maxRetries: 2, delayMs }));
    const done = await c.waitForState(task!.id, TaskState.FAILED);
    expect(done.failureReason).toBe(FailureReason.EXIT_CODE);
    expect(done.exitCode).toBe(3);
    expect(done.attempts.map((a) => [a.number, a.state, a.exitCode, a.failureReason])).toEqual([
      [1, TaskState.FAILED, 3, FailureReason.EXIT_CODE],
      [2, TaskState.FAILED, 3, FailureReason.EXIT_CODE],
      [3, TaskState.FAILED, 3, FailureReason.EXIT_CODE],
    ]);
    for (let i = 1; i < done.attempts.length; i++) {
      const gap = ms(done.attempts[i]!.startTime) - ms(done.attempts[i - 1]!.endTime);
      expect(gap).toBeGreaterThanOrEqual(delayMs - 50);
    }
    const frames = await readLog(c.client, task!.id);
    expect(text(frames, LogStream.STDOUT)).toBe("attempt 1\nattempt 2\nattempt 3\n");
    expect(frames.filter((f) => f.stream === LogStream.STDOUT).map((f) => f.attempt)).toEqual([1, 2, 3]);
    const sys = text(frames, LogStream.SYSTEM);
    expect(sys).toContain("attempt 2 of 3 in 1.5s after exit code 3");
    expect(sys).toContain("attempt 3 of 3 in 1.5s after exit code 3");
    expect(sys).toContain("failed after 3 attempts: exit code 3");
    expect(await c.containers()).toEqual([]);

    const { events } = await c.client.getEvents({ taskId: task!.id });
    expect(events.map((e) => `${e.attempt}:${e.type}`)).toEqual([
      "1:submitted",
      ...[1, 2].flatMap((n) => [`${n}:placed`, `${n}:dispatched`, `${n}:claimed`, `${n}:started`, `${n}:exited`, `${n}:retry-scheduled`]),
      "3:placed",
      "3:dispatched",
      "3:claimed",
      "3:started",
      "3:exited",
      "3:failed",
    ]);
    expect(events.find((e) => e.type === "claimed")!.nodeId).toBe(c.agents[0]!.nodeId);
  });

  it("succeeds on a retry after a failed first attempt", async () => {
    // The first attempt fails, the second succeeds: TRAINYARD_ATTEMPT tells them apart.
    const { task } = await c.client.submit(spec({ command: sh('[ "$TRAINYARD_ATTEMPT" = 2 ] || exit 7'), maxRetries: 3, delayMs: 100 }));
    const done = await c.waitForState(task!.id, TaskState.SUCCEEDED);
    expect(done.attempts.map((a) => a.state)).toEqual([TaskState.FAILED, TaskState.SUCCEEDED]);
    expect(done.attempts[0]!.exitCode).toBe(7);
    expect(done.failureReason).toBe(FailureReason.UNSPECIFIED);
    expect(done.exitCode).toBe(0);
  });

  it("reports an OOM kill as OOM_KILLED", async () => {
    const { task } = await c.client.submit(spec({ command: sh("tail /dev/zero"), memoryBytes: 16 * 1024 * 1024 }));
    const done = await c.waitForState(task!.id, TaskState.FAILED);
    expect(done.failureReason).toBe(FailureReason.OOM_KILLED);
    expect(done.attempts[0]!.failureReason).toBe(FailureReason.OOM_KILLED);
    expect(await c.containers()).toEqual([]);
  });

  it("stops a task past its timeout and reports TIMEOUT", async () => {
    const { task } = await c.client.submit(spec({ command: sh("echo started; sleep 60"), timeoutMs: 1_000, graceMs: 1_000 }));
    const done = await c.waitForState(task!.id, TaskState.FAILED, 30_000);
    expect(done.failureReason).toBe(FailureReason.TIMEOUT);
    const runMs = ms(done.attempts[0]!.endTime) - ms(done.attempts[0]!.startTime);
    expect(runMs).toBeGreaterThanOrEqual(1_000);
    expect(runMs).toBeLessThan(20_000);
    const frames = await readLog(c.client, task!.id);
    expect(text(frames, LogStream.STDOUT)).toBe("started\n");
    expect(text(frames, LogStream.SYSTEM)).toMatch(/timed out after 1s/);
    expect(await c.containers()).toEqual([]);
  });

  it("kills with SIGKILL a task that ignores SIGTERM after the grace period", async () => {
    const { task } = await c.client.submit(spec({ command: sh("trap '' TERM; echo ready; while true; do sleep 1; done"), timeoutMs: 1_000, graceMs: 500 }));
    const done = await c.waitForState(task!.id, TaskState.FAILED, 30_000);
    expect(done.failureReason).toBe(FailureReason.TIMEOUT);
    expect(text(await readLog(c.client, task!.id), LogStream.SYSTEM)).toContain("sending SIGKILL");
    expect(await c.containers()).toEqual([]);
  });

  it("fails with IMAGE_UNAVAILABLE when the image cannot be pulled", async () => {
    const { task } = await c.client.submit(spec({ image: "127.0.0.1:5999/trainyard/missing:1", command: ["true"], maxInfraRetries: 0 }));
    const done = await c.waitForState(task!.id, TaskState.FAILED, 30_000);
    expect(done.failureReason).toBe(FailureReason.IMAGE_UNAVAILABLE);
    expect(done.attempts[0]!.containerId).toBe("");
    const sys = text(await readLog(c.client, task!.id), LogStream.SYSTEM);
    expect(sys).toContain("pulling image 127.0.0.1:5999/trainyard/missing:1");
    expect(sys).toContain("image unavailable");
    expect(await c.containers()).toEqual([]);
  });

  it("writes each attempt to a local log file under TRAINYARD_LOG_DIR/<task>/", async () => {
    const { readFile } = await import("node:fs/promises");
    const path = await import("node:path");
    const { task } = await c.client.submit(spec({ command: sh("echo to-file") }));
    await c.waitForState(task!.id, TaskState.SUCCEEDED);
    const file = path.join(c.logDir, c.agents[0]!.nodeId, task!.id, "attempt-1.log");
    const content = await readFile(file, "utf8");
    expect(content).toMatch(/^\S+Z stdout to-file\n/m);
    expect(content).toMatch(/system exited with code 0/);
  });
});
