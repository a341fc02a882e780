/** Which final tasks have outlived the retention (core/retention.ts). */
import { describe, expect, it } from "vitest";
import { expiredTasks } from "../src/core/retention.js";
import { record } from "./fixtures.js";

describe("expiredTasks", () => {
  const done = (id: string, endTime: number | undefined, state: "SUCCEEDED" | "FAILED" | "CANCELLED" = "SUCCEEDED") => record({ id, state, createTime: 10, ...(endTime !== undefined ? { endTime } : {}) });
  it("final tasks ended at least the retention ago, oldest first, at most the limit; never a pending or running one", () => {
    const tasks = [done("young", 950), done("old", 100, "FAILED"), done("older", 50, "CANCELLED"), done("edge", 900), record({ id: "pending", createTime: 0 }), record({ id: "running", state: "RUNNING", createTime: 0 }), done("no-end", undefined)];
    expect(expiredTasks(tasks, 1_000, 100, 10).map((t) => t.id)).toEqual(["no-end", "older", "old", "edge"]);
    expect(expiredTasks(tasks, 1_000, 100, 2).map((t) => t.id)).toEqual(["no-end", "older"]);
  });
});
