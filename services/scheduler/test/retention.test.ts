/** Which final tasks have outlived the retention (TaskView.expired, from the task index). */
import { describe, expect, it } from "vitest";
import { retentionCut, submitRefusal } from "../src/core/retention.js";
import type { JetStreamManager } from "@nats-io/jetstream";
import { tasksSpace } from "../src/store/tasks-space.js";
import { TaskView } from "../src/store/task-view.js";
import { record } from "./fixtures.js";

describe("TaskView.expired", () => {
  const done = (id: string, endTime: number | undefined, state: "SUCCEEDED" | "FAILED" | "CANCELLED" = "SUCCEEDED") => record({ id, state, createTime: 10, ...(endTime !== undefined ? { endTime } : {}) });
  it("final tasks ended (or, without an end, created) at least the retention ago, at most the limit; never a pending or running one", () => {
    const view = new TaskView();
    const tasks = [done("young", 950), done("old", 100, "FAILED"), done("older", 50, "CANCELLED"), done("edge", 900), record({ id: "pending", createTime: 0 }), record({ id: "running", state: "RUNNING", createTime: 0 }), done("no-end", undefined)];
    tasks.forEach((t, i) => view.offer(t, i + 1));
    expect(new Set(view.expired(1_000 - 100, 10).map((t) => t.id))).toEqual(new Set(["old", "older", "edge", "no-end"]));
    expect(view.expired(1_000 - 100, 2)).toHaveLength(2);
  });
});

describe("retentionCut and submitRefusal (TRAINYARD_TASKS_MAX_BYTES)", () => {
  const usage = (bytes: number, maxBytes = 1_000, records = 100) => ({ bytes, maxBytes, records });
  it("below 80% of the bound: the retention alone decides", () => {
    expect(retentionCut(10_000, 1_000, 500)).toEqual({ cutoff: 9_000, limit: 500, early: 0 });
    expect(retentionCut(10_000, 1_000, 500, usage(800))).toEqual({ cutoff: 9_000, limit: 500, early: 0 });
    expect(retentionCut(10_000, 1_000, 500, usage(5_000, 0))).toEqual({ cutoff: 9_000, limit: 500, early: 0 }); // no bound
  });
  it("above it: any finished task may go, as many as bring it to 70%, at most a batch", () => {
    expect(retentionCut(10_000, 1_000, 500, usage(850))).toEqual({ cutoff: 10_000, limit: 18, early: 18 }); // 150 bytes over 70%, 8.5 bytes a record
    expect(retentionCut(10_000, 1_000, 5, usage(850))).toEqual({ cutoff: 10_000, limit: 5, early: 5 });
  });
  it("Submit is refused from 90% of the bound, saying how full and which variable", () => {
    expect(submitRefusal(undefined)).toBeNull();
    expect(submitRefusal(usage(899))).toBeNull();
    expect(submitRefusal(usage(5_000, 0))).toBeNull();
    expect(submitRefusal(usage(900))).toMatch(/90% full \(TRAINYARD_TASKS_MAX_BYTES=1000\)/);
  });
});

describe("tasksSpace: the tasks bucket's size between readings", () => {
  const jsmWith = (bytes: number, messages: number) => ({ streams: { info: async () => ({ state: { bytes, messages } }) } }) as unknown as JetStreamManager;
  it("counts the records created since the last reading, at the average size, or 2 KiB each when the bucket was empty", async () => {
    const now = 0;
    const empty = tasksSpace(jsmWith(0, 0), 65_536, () => now);
    expect(await empty.usage()).toEqual({ bytes: 0, maxBytes: 65_536, records: 0 });
    for (let i = 0; i < 30; i++) empty.created();
    expect(submitRefusal(await empty.usage())).toContain("TRAINYARD_TASKS_MAX_BYTES"); // 60 KiB of 64: refused before the next reading
    const some = tasksSpace(jsmWith(10_000, 10), 65_536, () => now);
    await some.usage();
    some.created();
    expect(await some.usage()).toEqual({ bytes: 11_000, maxBytes: 65_536, records: 11 });
  });
  it("has nothing to say without a bound", async () => {
    expect(await tasksSpace(jsmWith(5, 1), 0).usage()).toBeUndefined();
  });
});
