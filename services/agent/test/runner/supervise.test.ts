/**
 * A running attempt stopped or left (runner/supervise.ts, runner/stop-container.ts, through
 * runAttempt on a FakeRuntime): the timeout, with SIGTERM honoured or ignored; a cancel or a
 * superseded record seen through the record watch; stops handed in through onStopper
 * (self-fencing, drain); the agent detaching; the engine going away mid-run or mid-stop.
 *
 * Every case checks the Outcome, what was reported (in order: `finished` last), the SYSTEM
 * lines published, the signals the container got, and that no container is left (but on detach).
 */
import { afterAll, describe, expect, it } from "vitest";
import type { StopCause } from "@trainyard/common";
import { task as taskFixture, until } from "../fixtures.js";
import { cleanUp, eventKinds, finished, launch, leftover, NODE, type Launched, type LaunchOptions } from "./harness.js";

// Each case has its own runtime, records and log: they run concurrently (most of their time is timers).
afterAll(cleanUp);

/** Runs until the container runs and its first line is published. */
async function running(o: LaunchOptions): Promise<Launched> {
  const l = await launch(o);
  await until(() => l.events.some((e) => e.type === "started") && l.publisher.linesOf("stdout").length > 0, "the container started and its first line was published");
  return l;
}

/** Its end, checked for what every ended attempt shows: outcome reported last, no container, watch over. */
async function ended(l: Launched) {
  const r = await l.ended();
  expect(finished(r.events).outcome).toEqual(r.result);
  expect(finished(r.events)).toMatchObject({ taskId: l.task.id, attempt: 1, nodeId: NODE });
  expect(leftover(l.runtime)).toEqual([]);
  expect(l.records.watching(l.task.id)).toBe(0);
  return { ...r, signals: l.runtime.containers()[0]!.signals };
}

const forever = { output: [{ stdout: "training" }], durationMs: Infinity };

describe.concurrent("supervise: timeout", () => {
  it("stops the container at the timeout; SIGTERM honoured: TIMEOUT, exit 143", async () => {
    const r = await ended(await launch({ behaviour: forever, spec: { timeoutMs: 200, stopGraceMs: 100 } }));
    expect(r.result).toEqual({ exitCode: 143, failureReason: "TIMEOUT", end: { kind: "stopped", cause: { kind: "timeout", afterMs: 200 }, exitCode: 143 } });
    expect(r.log).toEqual([
      "stdout training",
      "system timed out after 200ms",
      "system sending SIGTERM; SIGKILL in 100ms if still running",
      "system timeout: killed after timeout 200ms",
    ]);
    expect(eventKinds(r.events)).toEqual(["started", "note stopping", "note sigterm", "finished"]);
    expect(r.notes).toEqual([
      { kind: "stopping", cause: { kind: "timeout", afterMs: 200 } },
      { kind: "sigterm", killAfterMs: 100 },
    ]);
    expect(r.signals).toEqual(["SIGTERM"]);
  });

  it("sends SIGKILL after stop_grace when SIGTERM is ignored: TIMEOUT, exit 137", async () => {
    const r = await ended(await launch({ behaviour: { ...forever, ignoreSigterm: true }, spec: { timeoutMs: 100, stopGraceMs: 100 } }));
    expect(r.result).toEqual({ exitCode: 137, failureReason: "TIMEOUT", end: { kind: "stopped", cause: { kind: "timeout", afterMs: 100 }, exitCode: 137 } });
    expect(r.system).toEqual([
      "timed out after 100ms",
      "sending SIGTERM; SIGKILL in 100ms if still running",
      "still running after 100ms: sending SIGKILL",
      "timeout: killed after timeout 100ms",
    ]);
    expect(eventKinds(r.events)).toEqual(["started", "note stopping", "note sigterm", "note sigkill", "finished"]);
    expect(r.signals).toEqual(["SIGTERM", "SIGKILL"]);
  });
});

describe.concurrent("supervise: the task's record", () => {
  it("stops on a cancel requested in the record: CANCELLED with its reason", async () => {
    const l = await running({ behaviour: forever });
    l.records.set({ ...l.task, cancel: { reason: "wrong learning rate", time: 1 } });
    const r = await ended(l);
    expect(r.result).toEqual({
      exitCode: 143,
      failureReason: "CANCELLED",
      end: { kind: "stopped", cause: { kind: "cancel", reason: "wrong learning rate" }, exitCode: 143 },
    });
    expect(r.system).toEqual([
      "cancel requested: wrong learning rate",
      "sending SIGTERM; SIGKILL in 1s if still running",
      "cancelled: cancelled: wrong learning rate",
    ]);
    expect(eventKinds(r.events)).toEqual(["started", "note stopping", "note sigterm", "finished"]);
    expect(r.signals).toEqual(["SIGTERM"]);
  });

  it.each<[string, (l: Launched) => void]>([
    ["a newer attempt is current", (l) => l.records.set(taskFixture("PENDING", 2, {}, l.task.spec))],
    ["the task is final", (l) => l.records.set({ ...l.task, state: "FAILED" })],
    ["the record is deleted", (l) => l.records.delete(l.task.id)],
  ])("stops when the record moved on (%s): superseded, CANCELLED", async (_, moveOn) => {
    const l = await running({ behaviour: forever });
    moveOn(l);
    const r = await ended(l);
    expect(r.result).toEqual({ exitCode: 143, failureReason: "CANCELLED", end: { kind: "stopped", cause: { kind: "superseded" }, exitCode: 143 } });
    expect(r.system).toEqual([
      "this attempt is no longer current: stopping it",
      "sending SIGTERM; SIGKILL in 1s if still running",
      "cancelled: stopped: the attempt is no longer current",
    ]);
    expect(eventKinds(r.events)).toEqual(["started", "note stopping", "note sigterm", "finished"]);
  });

  it("acts on the first stop only: a later change of the record is ignored", async () => {
    const l = await running({ behaviour: { ...forever, ignoreSigterm: true }, spec: { stopGraceMs: 100 } });
    l.records.set({ ...l.task, cancel: { reason: "first", time: 1 } });
    l.records.set({ ...l.task, cancel: { reason: "second", time: 2 } });
    l.records.delete(l.task.id);
    const r = await ended(l);
    expect(r.result).toMatchObject({ end: { kind: "stopped", cause: { kind: "cancel", reason: "first" }, exitCode: 137 } });
    expect(eventKinds(r.events)).toEqual(["started", "note stopping", "note sigterm", "note sigkill", "finished"]);
  });
});

describe.concurrent("supervise: stops handed in (onStopper)", () => {
  const isolated = (graceMs: number): StopCause => ({ kind: "isolated", silentMs: 9_100, leaseMs: 15_000, graceMs });
  const isolation = "no contact with NATS for 9.1s (lease 15s): another node may run this task";

  it.each([
    ["the cause's grace when shorter than stop_grace", 50, 5_000],
    ["stop_grace when shorter than the cause's grace", 5_000, 50],
  ])("self-fencing (isolated) waits %s before SIGKILL: NODE_LOST", async (_, graceMs, stopGraceMs) => {
    const l = await running({ behaviour: { ...forever, ignoreSigterm: true }, spec: { stopGraceMs } });
    l.stop(isolated(graceMs));
    const r = await ended(l);
    expect(r.result).toEqual({ exitCode: 137, failureReason: "NODE_LOST", end: { kind: "stopped", cause: isolated(graceMs), exitCode: 137 } });
    expect(r.system).toEqual([
      `${isolation}: stopping it`,
      "sending SIGTERM; SIGKILL in 50ms if still running",
      "still running after 50ms: sending SIGKILL",
      `node lost: stopped: ${isolation}`,
    ]);
    expect(r.signals).toEqual(["SIGTERM", "SIGKILL"]);
  });

  it("a drain deadline stops with stop_grace: NODE_LOST", async () => {
    const l = await running({ behaviour: forever, spec: { stopGraceMs: 100 } });
    l.stop({ kind: "drain" });
    l.stop({ kind: "cancel", reason: "too late" }); // the first stop stands
    const r = await ended(l);
    expect(r.result).toEqual({ exitCode: 143, failureReason: "NODE_LOST", end: { kind: "stopped", cause: { kind: "drain" }, exitCode: 143 } });
    expect(r.system).toEqual([
      "node drained past its deadline: stopping the task",
      "sending SIGTERM; SIGKILL in 100ms if still running",
      "node lost: stopped: the node was drained",
    ]);
  });
});

describe.concurrent("supervise: the agent detaching", () => {
  it("leaves the running container on detach: result detached, its log flushed, nothing finished reported", async () => {
    const l = await running({ behaviour: forever });
    l.detach();
    const r = await l.ended();
    expect(r.result).toBe("detached");
    expect(r.log).toEqual(["stdout training"]);
    expect(eventKinds(r.events)).toEqual(["started"]);
    expect(leftover(l.runtime).map((c) => ({ id: c.id, running: c.running, signals: c.signals }))).toEqual([{ id: l.containerId, running: true, signals: [] }]);
    expect(l.records.watching(l.task.id)).toBe(0);
  });
});

describe.concurrent("supervise: the engine going away", () => {
  const lost = "Docker Engine not answering: connect ECONNREFUSED /var/run/docker.sock";

  it("mid-run: CONTAINER_ERROR with the error; the container removed once the engine is back (removal retried)", async () => {
    const l = await running({ behaviour: forever });
    l.runtime.engineDown();
    await until(() => l.runtime.calls.some((c) => c.op === "remove"), "a first removal was tried");
    l.runtime.engineUp();
    const r = await ended(l);
    expect(r.result).toEqual({ exitCode: -1, failureReason: "CONTAINER_ERROR", end: { kind: "container-error", error: lost } });
    expect(r.log).toEqual(["stdout training", `system container error: ${lost}`]);
    expect(eventKinds(r.events)).toEqual(["started", "finished"]);
    expect(l.runtime.calls.filter((c) => c.op === "remove").length).toBeGreaterThan(1);
  });

  it("mid-stop: the stop's cause still names the outcome, exit code -1", async () => {
    const l = await running({ behaviour: { ...forever, ignoreSigterm: true }, spec: { stopGraceMs: 5_000 } });
    l.records.set({ ...l.task, cancel: { reason: "", time: 1 } });
    await until(() => l.notes.some((n) => n.kind === "sigterm"), "SIGTERM was sent");
    l.runtime.engineDown();
    await until(() => l.runtime.calls.some((c) => c.op === "remove"), "a first removal was tried");
    l.runtime.engineUp();
    const r = await ended(l);
    expect(r.result).toEqual({ exitCode: -1, failureReason: "CANCELLED", end: { kind: "stopped", cause: { kind: "cancel", reason: "" }, exitCode: -1 } });
    expect(r.system).toEqual(["cancel requested", "sending SIGTERM; SIGKILL in 5s if still running", "cancelled: cancelled"]);
    expect(eventKinds(r.events)).toEqual(["started", "note stopping", "note sigterm", "finished"]);
  });
});
