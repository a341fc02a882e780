/**
 * runAttempt (runner/run-attempt.ts) on a FakeRuntime, phase by phase: image, mounts, create,
 * start, a container that ends by itself, re-attach after an agent restart (running, exited,
 * gone, never started), an attempt stopped before its container runs (cancel, agent shutdown),
 * and one left for the next start because the end of its log was not published. Stops while
 * it runs (timeout, cancel, fencing, detach, the engine going away) are in supervise.test.ts.
 *
 * Every case checks the Outcome, what was reported (in order: `finished` last), the SYSTEM
 * lines published, and that no container is left unless the attempt was left for the next start.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { AgentEvent } from "@trainyard/common";
import { until } from "../fixtures.js";
import {
  cleanUp,
  containerFor,
  eventKinds,
  fakeRuntime,
  finished,
  launch,
  leftover,
  MemoryPublisher,
  NODE,
  run,
  runningTask,
  type Launched,
  type Ran,
} from "./harness.js";

// Each case has its own runtime, records and log: they run concurrently (most of their time is timers).
afterAll(cleanUp);

/** What every attempt that ends here must show: its outcome reported last, no container, the watch over. */
function expectEnded(r: Ran & { launched: Launched }) {
  expect(finished(r.events).outcome).toEqual(r.result);
  expect(finished(r.events)).toMatchObject({ taskId: r.launched.task.id, attempt: 1, nodeId: NODE });
  expect(leftover(r.launched.runtime)).toEqual([]);
  expect(r.launched.records.watching(r.launched.task.id)).toBe(0);
}

describe.concurrent("runAttempt: a container that ends by itself", () => {
  it("succeeds: stdout and stderr published in order, started reported before finished, the container removed", async () => {
    const r = await run({ behaviour: { output: [{ stdout: "one" }, { stderr: "two" }, { stdout: "three" }] } });
    expect(r.result).toEqual({ exitCode: 0, end: { kind: "exited", exitCode: 0, oomKilled: false } });
    expect(r.log).toEqual(["stdout one", "stderr two", "stdout three", "system exited with code 0"]);
    expect(eventKinds(r.events)).toEqual(["started", "finished"]);
    const [container] = r.launched.runtime.containers();
    expect(r.events[0]).toMatchObject({ type: "started", taskId: r.launched.task.id, attempt: 1, nodeId: NODE, containerId: container!.id });
    expect(container!.spec.labels).toMatchObject({ "trainyard.task": r.launched.task.id, "trainyard.attempt": "1", "trainyard.node": NODE });
    expect(r.notes).toEqual([]);
    expectEnded(r);
  });

  it("exits non-zero: EXIT_CODE with the code, \"exited with code 3\" last", async () => {
    const r = await run({ behaviour: { output: [{ stderr: "loss is NaN" }], exitCode: 3 } });
    expect(r.result).toEqual({ exitCode: 3, failureReason: "EXIT_CODE", end: { kind: "exited", exitCode: 3, oomKilled: false } });
    expect(r.log).toEqual(["stderr loss is NaN", "system exited with code 3"]);
    expect(eventKinds(r.events)).toEqual(["started", "finished"]);
    expectEnded(r);
  });

  it("is OOM-killed: OOM_KILLED, exit code 137", async () => {
    const r = await run({ behaviour: { output: [{ stdout: "allocating" }], oom: true } });
    expect(r.result).toEqual({ exitCode: 137, failureReason: "OOM_KILLED", end: { kind: "exited", exitCode: 137, oomKilled: true } });
    expect(r.system).toEqual(["oom killed: OOM killed (exit code 137)"]);
    expect(eventKinds(r.events)).toEqual(["started", "finished"]);
    expectEnded(r);
  });
});

describe.concurrent("runAttempt: the image", () => {
  const image = "registry.test/tiny:1";

  it("pulls a missing image, saying so (pulling, progress, pulled), then runs", async () => {
    const runtime = fakeRuntime();
    runtime.scriptPull(image, { outcome: "succeed", bytes: 2_000_000, durationMs: 20 });
    const r = await run({ runtime, spec: { image } });
    expect(r.result).toMatchObject({ exitCode: 0, end: { kind: "exited" } });
    expect(r.notes).toEqual([
      { kind: "pulling", image },
      // Progress is said at most every 2 s: the first report only, in a 20 ms pull.
      { kind: "pull-progress", image, current: 0, total: 2_000_000 },
      { kind: "pulled", image, ms: expect.any(Number) },
    ]);
    expect(eventKinds(r.events)).toEqual(["progress pulling", "progress pull-progress", "note pulled", "started", "finished"]);
    expect(r.system.slice(0, 2)).toEqual([`pulling image ${image}`, `pulling image ${image}: 0% (0.0 of 2.0 MB)`]);
    expect(r.system[2]).toMatch(new RegExp(`^pulled image ${image} in \\d+ms$`));
    expect(r.system.at(-1)).toBe("exited with code 0");
    expect(await runtime.hasImage(image)).toBe(true);
    expectEnded(r);
  });

  it.each([
    ["permanent (no such image, access denied): not worth retrying", true, "pull access denied for registry.test/tiny, repository does not exist"],
    ["transient (registry unreachable): worth retrying", false, "Get \"https://registry.test/v2/\": dial tcp: connection refused"],
  ])("fails to pull, %s: IMAGE_UNAVAILABLE with Docker's message, no container", async (_, permanent, message) => {
    const runtime = fakeRuntime();
    runtime.scriptPull(image, { outcome: "fail", permanent, message });
    const r = await run({ runtime, spec: { image } });
    expect(r.result).toEqual({ exitCode: -1, failureReason: "IMAGE_UNAVAILABLE", end: { kind: "image-unavailable", error: message, permanent } });
    expect(r.system).toEqual([`pulling image ${image}`, `image unavailable: ${message}`]);
    expect(eventKinds(r.events)).toEqual(["progress pulling", "finished"]);
    expect(runtime.calls.some((c) => c.op === "create")).toBe(false);
    expectEnded(r);
  });
});

describe.concurrent("runAttempt: mounts, create, start", () => {
  it("refuses a bind mount outside allowedHostPaths before creating anything: CONTAINER_ERROR, end mount-refused", async () => {
    const allowed = "/srv/trainyard-allowed";
    const r = await run({
      spec: { mounts: [{ type: "bind", source: "/etc", target: "/cfg", readOnly: true }] },
      allowedHostPaths: [allowed],
    });
    expect(r.result).toEqual({ exitCode: -1, failureReason: "CONTAINER_ERROR", end: { kind: "mount-refused", error: expect.any(String) } });
    const error = (r.result as { end: { error: string } }).end.error;
    expect(error).toMatch(/^mount spec\.mounts\[0\]: host path \/etc\b.* is not under TRAINYARD_ALLOWED_HOST_PATHS \(\/srv\/trainyard-allowed\)$/);
    expect(r.system).toEqual([`container error: ${error}`]);
    expect(eventKinds(r.events)).toEqual(["finished"]);
    expect(r.launched.runtime.calls.some((c) => c.op === "create")).toBe(false);
    expectEnded(r);
  });

  it.each([
    ["create", { createError: 'invalid mount config for type "bind": field Source must not be empty' }, 0],
    ["start", { startError: 'OCI runtime create failed: exec: "train": executable file not found in $PATH' }, 1],
  ] as const)("fails to %s: CONTAINER_ERROR with Docker's message, and no container left", async (_, behaviour, created) => {
    const why = Object.values(behaviour)[0];
    const r = await run({ behaviour });
    expect(r.result).toEqual({ exitCode: -1, failureReason: "CONTAINER_ERROR", end: { kind: "container-error", error: why } });
    expect(r.system).toEqual([`container error: ${why}`]);
    expect(eventKinds(r.events)).toEqual(["finished"]);
    expect(r.launched.runtime.containers()).toHaveLength(created);
    expectEnded(r);
  });
});

describe.concurrent("runAttempt: stopped before the container runs, or left at shutdown", () => {
  it("detached before its container started (a pull hanging): stopped with cause shutdown, CONTAINER_ERROR, reported", async () => {
    const image = "registry.test/huge:1";
    const runtime = fakeRuntime();
    runtime.scriptPull(image, { outcome: "hang" });
    const l = await launch({ runtime, spec: { image } });
    await until(() => l.notes.some((n) => n.kind === "pulling"), "the pull began");
    l.detach();
    const r = { ...(await l.ended()), launched: l };
    expect(r.result).toEqual({ exitCode: -1, failureReason: "CONTAINER_ERROR", end: { kind: "stopped", cause: { kind: "shutdown" }, exitCode: -1 } });
    expect(r.system).toEqual([`pulling image ${image}`, "container error: stopped because the agent shut down"]);
    expect(eventKinds(r.events)).toEqual(["progress pulling", "finished"]);
    expect(runtime.containers()).toEqual([]);
    expectEnded(r);
  });

  it("cancelled before its container started (a pull hanging): CANCELLED, exit -1, nothing created", async () => {
    const image = "registry.test/huge:1";
    const runtime = fakeRuntime();
    runtime.scriptPull(image, { outcome: "hang" });
    const l = await launch({ runtime, spec: { image } });
    await until(() => l.notes.some((n) => n.kind === "pulling"), "the pull began");
    l.records.set({ ...l.task, cancel: { reason: "not needed", time: 1 } });
    const r = { ...(await l.ended()), launched: l };
    expect(r.result).toEqual({
      exitCode: -1,
      failureReason: "CANCELLED",
      end: { kind: "stopped", cause: { kind: "cancel", reason: "not needed" }, exitCode: -1 },
    });
    expect(r.system).toEqual([`pulling image ${image}`, "cancelled: cancelled: not needed"]);
    expect(eventKinds(r.events)).toEqual(["progress pulling", "finished"]);
    expect(runtime.containers()).toEqual([]);
    expectEnded(r);
  });

  it("leaves a started container running when detached while its start is still being reported (NATS away)", async () => {
    // As AttemptHost's report does while NATS is unreachable: retried until `detach` aborts.
    const unreachable = (e: AgentEvent, detach: AbortSignal) =>
      e.type === "started" ? new Promise<void>((_, reject) => detach.addEventListener("abort", () => reject(detach.reason))) : Promise.resolve();
    const l = await launch({ behaviour: { output: [{ stdout: "training" }], durationMs: Infinity }, report: unreachable });
    await until(() => l.events.some((e) => e.type === "started"), "the start is being reported");
    l.detach();
    const r = await l.ended();
    expect(r.result).toBe("detached");
    expect(eventKinds(r.events)).toEqual(["started"]);
    expect(leftover(l.runtime).map((c) => ({ running: c.running, signals: c.signals }))).toEqual([{ running: true, signals: [] }]);
  });

  it("leaves the container for the next start when the end of its log could not be published: nothing reported", async () => {
    const publisher = new MemoryPublisher();
    publisher.failing = true;
    const l = await launch({ behaviour: { output: [{ stdout: "done" }], exitCode: 0 }, publisher });
    await until(() => publisher.failures > 0 && l.runtime.containers()[0]?.state === "exited", "the container exited with its log unpublished");
    l.giveUpPublishing();
    const r = await l.ended();
    expect(r.result).toBe("detached");
    expect(eventKinds(r.events)).toEqual(["started"]);
    expect(r.log).toEqual([]);
    expect(leftover(l.runtime).map((c) => c.state)).toEqual(["exited"]);
    expect(l.records.watching(l.task.id)).toBe(0);
  });
});

describe.concurrent("runAttempt: output through the attach stream", () => {
  it("reads a fresh attempt's output from the attach stream, not the engine's log; frames carry the lines shipped per stream", async () => {
    const l = await launch({ behaviour: { output: [{ stdout: "out %i", repeat: 3 }, { stderr: "err" }, { pauseMs: 50 }, { stdout: "last" }] } });
    const r = { ...(await l.ended()), launched: l };
    expect(r.stdout).toEqual(["out 1", "out 2", "out 3", "last"]);
    expect(r.stderr).toEqual(["err"]);
    expect(l.runtime.calls.map((c) => c.op)).toContain("attach");
    expect(l.runtime.calls.map((c) => c.op)).not.toContain("logs");
    expect(l.publisher.frames.at(-1)!.position.resume).toBe("n:4.0,1.0");
    expectEnded(r);
  });

  it("re-attaches from a position counted on the attach stream: the engine's log from the start, what was shipped skipped", async () => {
    const runtime = fakeRuntime();
    const task = runningTask({ output: [{ stdout: "line %i", repeat: 3 }, { stderr: "warn %i", repeat: 2 }, { pauseMs: 100 }, { stdout: "after" }] });
    const id = await containerFor(runtime, task, 1);
    // The agent died having shipped "line 1", "line 2" and "warn 1".
    const l = await launch({ task, runtime, reattach: { containerId: id, resume: "n:2.0,1.0" }, from: { frame: 3, resume: "n:2.0,1.0" } });
    const r = { ...(await l.ended()), launched: l };
    expect(r.stdout).toEqual(["line 3", "after"]);
    expect(r.stderr).toEqual(["warn 2"]);
    expect(l.publisher.frames.at(-1)!.position).toMatchObject({ frame: l.publisher.frames.length + 3 });
    expect(l.publisher.frames.at(-1)!.position.resume).toMatch(/^n:4\.0@[^,]+,2\.0@/);
    expectEnded(r);
  });
});

describe.concurrent("runAttempt: re-attach after an agent restart", () => {
  it("follows a running container: says reattached, resumes the log after the stamp shipped, numbers frames on from `from`", async () => {
    const runtime = fakeRuntime();
    const task = runningTask({ output: [{ stdout: "line %i", repeat: 3 }, { pauseMs: 100 }, { stdout: "after" }] });
    const id = await containerFor(runtime, task, 1);
    const since = runtime.container(id)!.entries[1]!.stamp!; // "line 2" was the last line shipped
    const l = await launch({ task, runtime, reattach: { containerId: id, resume: since }, from: { frame: 4, resume: since } });
    const r = { ...(await l.ended()), launched: l };
    expect(r.result).toEqual({ exitCode: 0, end: { kind: "exited", exitCode: 0, oomKilled: false } });
    expect(r.notes).toEqual([{ kind: "reattached", running: true }]);
    expect(r.stdout).toEqual(["line 3", "after"]);
    expect(r.system).toEqual(["agent restarted: re-attached to the running container", "exited with code 0"]);
    expect(eventKinds(r.events)).toEqual(["note reattached", "finished"]);
    // The first frame after the restart is frame 5, named with the resume stamp it carries on.
    expect(l.publisher.frames[0]).toMatchObject({ position: { frame: 5, resume: `${since},${since}` }, msgID: `${task.id}:1:5:${since},${since}` });
    expectEnded(r);
  });

  it("finds the container exited meanwhile: classifies its exit, ships the rest of its log", async () => {
    const runtime = fakeRuntime();
    const task = runningTask({ output: [{ stdout: "epoch %i", repeat: 2 }], exitCode: 3 });
    const id = await containerFor(runtime, task, 1);
    await runtime.wait(id, AbortSignal.timeout(2_000));
    const since = runtime.container(id)!.entries[0]!.stamp!;
    const l = await launch({ task, runtime, reattach: { containerId: id, resume: since } });
    const r = { ...(await l.ended()), launched: l };
    expect(r.result).toEqual({ exitCode: 3, failureReason: "EXIT_CODE", end: { kind: "exited", exitCode: 3, oomKilled: false } });
    expect(r.notes).toEqual([{ kind: "reattached", running: false }]);
    expect(r.log).toEqual(["system agent restarted: re-attached to the container, which has exited", "stdout epoch 2", "system exited with code 3"]);
    expectEnded(r);
  });

  it("counts the timeout from the container's start, not from the re-attach", async () => {
    // The container started a minute ago (by the fake's clock); its 30 s timeout is long over.
    const runtime = fakeRuntime({ now: () => Date.now() - 60_000 });
    const task = runningTask({ output: [{ stdout: "training" }], durationMs: Infinity }, { timeoutMs: 30_000 });
    const id = await containerFor(runtime, task, 1);
    const began = Date.now();
    const l = await launch({ task, runtime, reattach: { containerId: id } });
    const r = { ...(await l.ended()), launched: l };
    expect(Date.now() - began).toBeLessThan(1_000);
    expect(r.result).toEqual({ exitCode: 143, failureReason: "TIMEOUT", end: { kind: "stopped", cause: { kind: "timeout", afterMs: 30_000 }, exitCode: 143 } });
    expect(r.stdout).toEqual(["training"]);
    expect(r.system).toEqual([
      "agent restarted: re-attached to the running container",
      "timed out after 30s",
      "sending SIGTERM; SIGKILL in 1s if still running",
      "timeout: killed after timeout 30s",
    ]);
    expect(eventKinds(r.events)).toEqual(["note reattached", "note stopping", "note sigterm", "finished"]);
    expectEnded(r);
  });

  it("finds the container gone: CONTAINER_ERROR with Docker's message", async () => {
    const runtime = fakeRuntime();
    const task = runningTask({});
    const id = await containerFor(runtime, task, 1);
    await runtime.remove(id);
    const l = await launch({ task, runtime, reattach: { containerId: id } });
    const r = { ...(await l.ended()), launched: l };
    expect(r.result).toEqual({ exitCode: -1, failureReason: "CONTAINER_ERROR", end: { kind: "container-error", error: `No such container: ${id}` } });
    expect(r.system).toEqual([`container error: No such container: ${id}`]);
    expect(eventKinds(r.events)).toEqual(["finished"]);
    expectEnded(r);
  });

  it("finds the container created but never started: never-started (CONTAINER_ERROR), the container removed", async () => {
    const runtime = fakeRuntime();
    const task = runningTask({ output: [{ stdout: "never" }] });
    const id = await containerFor(runtime, task, 1, { created: true });
    const l = await launch({ task, runtime, reattach: { containerId: id } });
    const r = { ...(await l.ended()), launched: l };
    expect(r.result).toEqual({ exitCode: -1, failureReason: "CONTAINER_ERROR", end: { kind: "never-started" } });
    expect(r.log).toEqual(["system container error: the container was created but never started (the agent restarted)"]);
    expect(eventKinds(r.events)).toEqual(["finished"]);
    expect(r.notes).toEqual([]);
    expectEnded(r);
  });
});
