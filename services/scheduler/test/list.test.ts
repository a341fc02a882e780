/** List's filters and paging (core/list.ts over the task index). */
import { describe, expect, it } from "vitest";
import type { TaskRecord, TaskState } from "@trainyard/common";
import { listTasks, type ListQuery } from "../src/core/list.js";
import { TaskIndex, type TaskSummary } from "../src/core/task-index/task-index.js";
import { taskId } from "../src/core/ids.js";
import { record, spec } from "./fixtures.js";

const STATES: TaskState[] = ["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"];

/** 25 tasks created 1 s apart, ids in creation order, states and labels cycling. */
const tasks: TaskRecord[] = Array.from({ length: 25 }, (_, i) =>
  record(
    { id: taskId(1_700_000_000_000 + i * 1_000, new Uint8Array(12).fill(i)), state: STATES[i % 5]!, createTime: i },
    spec({ labels: { team: i % 2 ? "odd" : "even", ...(i % 3 === 0 ? { fizz: "yes" } : {}) } }),
  ),
);
const shuffled = [...tasks].sort((a, b) => ((a.createTime * 7) % 25) - ((b.createTime * 7) % 25));
const createdOf = new Map<string, number>();
const created = (page: TaskSummary[]) => page.map((t) => createdOf.get(t.id)!);

/** listTasks over an index of `records`, put in the order given. */
function list(records: TaskRecord[], q: ListQuery) {
  const index = new TaskIndex();
  records.forEach((t, i) => {
    createdOf.set(t.id, t.createTime);
    index.put({ id: t.id, namespace: "default", state: t.state, labels: t.spec.labels, at: t.createTime, revision: i + 1 });
  });
  return listTasks(index, q);
}
const all = (n: number) => Array.from({ length: n }, (_, i) => n - 1 - i);

describe("listTasks", () => {
  it("no filters: every task, newest first, whatever the input order", () => {
    expect(created(list(shuffled, { states: [], labels: {}, pageSize: 100 }).tasks)).toEqual(all(25));
  });

  it.each([
    [["PENDING"], [20, 15, 10, 5, 0]],
    [["SUCCEEDED", "FAILED"], [23, 22, 18, 17, 13, 12, 8, 7, 3, 2]],
  ] as [TaskState[], number[]][])("states %j: any of them", (states, expected) => {
    expect(created(list(shuffled, { states, labels: {}, pageSize: 100 }).tasks)).toEqual(expected);
  });

  it.each([
    [{ team: "odd" }, [23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1]],
    [{ team: "odd", fizz: "yes" }, [21, 15, 9, 3]],
    [{ team: "none" }, []],
    [{ fizz: "" }, []],
  ])("labels %j: all of them", (labels, expected) => {
    expect(created(list(shuffled, { states: [], labels, pageSize: 100 }).tasks)).toEqual(expected);
  });

  it("states and labels combine", () => {
    expect(created(list(shuffled, { states: ["PENDING", "RUNNING"], labels: { team: "even" }, pageSize: 100 }).tasks)).toEqual([20, 16, 10, 6, 0]);
  });

  it.each([1, 2, 3, 7, 24, 25, 26])("pages of %i cover every task exactly once, in order", (pageSize) => {
    const seen: number[] = [];
    let afterId: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThanOrEqual(25);
      const page = list(shuffled, { states: [], labels: {}, pageSize, ...(afterId ? { afterId } : {}) });
      expect(page.tasks.length).toBeLessThanOrEqual(pageSize);
      seen.push(...created(page.tasks));
      if (!page.nextAfterId) break;
      expect(page.nextAfterId).toBe(page.tasks.at(-1)!.id);
      afterId = page.nextAfterId;
    }
    expect(seen).toEqual(all(25));
  });

  it("paging with a filter covers the matching tasks exactly once", () => {
    const seen: number[] = [];
    let afterId: string | undefined;
    do {
      const page = list(shuffled, { states: ["FAILED", "PENDING"], labels: { team: "odd" }, pageSize: 2, ...(afterId ? { afterId } : {}) });
      seen.push(...created(page.tasks));
      afterId = page.nextAfterId;
    } while (afterId);
    expect(seen).toEqual([23, 15, 13, 5, 3]);
  });

  it("no next page token when the page holds exactly the rest", () => {
    expect(list(tasks, { states: [], labels: {}, pageSize: 25 })).not.toHaveProperty("nextAfterId");
  });

  it("a page token past the oldest task gives an empty page", () => {
    expect(list(tasks, { states: [], labels: {}, pageSize: 10, afterId: tasks[0]!.id })).toEqual({ tasks: [] });
  });

  it("tasks created after the previous page was read do not shift the next page", () => {
    const first = list(tasks, { states: [], labels: {}, pageSize: 10 });
    const newer = record({ id: taskId(1_800_000_000_000, new Uint8Array(12)), createTime: 99 });
    const second = list([...tasks, newer], { states: [], labels: {}, pageSize: 10, afterId: first.nextAfterId! });
    expect(created(second.tasks)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5]);
  });

  it("an empty snapshot gives an empty page", () => {
    expect(list([], { states: [], labels: {}, pageSize: 10 })).toEqual({ tasks: [] });
  });
});
