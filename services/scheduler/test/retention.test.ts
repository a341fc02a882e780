/** Which final tasks have outlived the retention (TaskView.expired, from the task index). */
import { describe, expect, it } from "vitest";
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
