import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { endedAttempts, firstStartLatency } from "../src/core/observe.js";
import { TaskView } from "../src/store/task-view.js";
import { transition } from "../src/core/transition.js";
import { SchedulerMetrics } from "../src/metrics.js";
import { frame, input, outcomes, spec, states, T } from "./fixtures.js";

describe("endedAttempts", () => {
  it("is the attempt a finish ends, with its state and reason", () => {
    const before = states["RUNNING started"]();
    const after = transition(before, input.finished(outcomes.EXIT_CODE), T.now).task;
    expect(endedAttempts(before, after).map((a) => [a.number, a.state, a.failureReason])).toEqual([[1, "FAILED", "EXIT_CODE"]]);
  });

  it("counts the ended attempt, not the retry that follows it", () => {
    const before = states["RUNNING started"](spec({ retry: { maxRetries: 2, delayMs: 0 } }));
    const after = transition(before, input.finished(outcomes.EXIT_CODE), T.now).task;
    expect(after.state).toBe("PENDING");
    expect(endedAttempts(before, after).map((a) => a.number)).toEqual([1]);
  });

  it("is nothing for a write that ends no attempt, or re-applies one already ended", () => {
    const running = states["PENDING claimed"]();
    expect(endedAttempts(running, transition(running, input.started(), T.now).task)).toEqual([]);
    const done = states.SUCCEEDED();
    expect(endedAttempts(done, { ...done, message: "x" })).toEqual([]);
    expect(endedAttempts(undefined, states["PENDING undispatched"]())).toEqual([]);
  });

  it("is the pending attempt a cancel ends", () => {
    const before = states["PENDING dispatched"]();
    const after = transition(before, input.cancel(), T.now).task;
    expect(endedAttempts(before, after).map((a) => [a.state, a.failureReason])).toEqual([["CANCELLED", "CANCELLED"]]);
  });
});

describe("firstStartLatency", () => {
  it("is submit to start, in seconds, on the write that first starts the task", () => {
    const before = states["PENDING claimed"]();
    const after = transition(before, input.started(1, 7_500), T.now).task;
    expect(firstStartLatency(before, after)).toBe((7_500 - T.create) / 1000);
  });

  it("is undefined for any other write, including a retry's start", () => {
    const started = states["RUNNING started"]();
    expect(firstStartLatency(states["PENDING dispatched"](), states["PENDING claimed"]())).toBeUndefined();
    expect(firstStartLatency(started, { ...started, attempts: [...started.attempts, { number: 2, state: "RUNNING", notBefore: 0, startTime: 9_000 }] })).toBeUndefined();
  });
});

describe("SchedulerMetrics", () => {
  it("exposes tasks by state, attempts by outcome and reason, start latency and delivered frames", async () => {
    const registry = new Registry();
    const view = new TaskView();
    [states.SUCCEEDED(), { ...states["PENDING undispatched"](), id: "t-other" }].forEach((t, i) => view.offer(t, i + 1));
    const m = new SchedulerMetrics(registry, () => view.countByState());
    const running = states["RUNNING started"]();
    m.stored(states["PENDING claimed"](), running);
    m.stored(running, transition(running, input.finished(outcomes.success), T.now).task);
    m.stored(running, transition(running, input.finished(outcomes.OOM_KILLED), T.now).task);
    m.delivered([frame("abc"), frame("de", 2)]);
    m.delivered([]);
    const text = await registry.metrics();
    expect(text).toContain('trainyard_tasks{state="SUCCEEDED"} 1');
    expect(text).toContain('trainyard_tasks{state="PENDING"} 1');
    expect(text).toContain('trainyard_tasks{state="CANCELLED"} 0');
    expect(text).toContain('trainyard_attempts_total{outcome="succeeded",reason="none"} 1');
    expect(text).toContain('trainyard_attempts_total{outcome="failed",reason="OOM_KILLED"} 1');
    expect(text).toContain("trainyard_task_start_latency_seconds_count 1");
    expect(text).toContain(`trainyard_task_start_latency_seconds_sum ${(T.start - T.create) / 1000}`);
    expect(text).toContain("trainyard_log_frames_delivered_total 2");
    expect(text).toContain("trainyard_log_bytes_delivered_total 5");
  });
});
