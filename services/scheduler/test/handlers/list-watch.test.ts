/** List and Watch in memory, served from the replica's task view. */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { TaskState, type Task } from "@trainyard/client";
import { WATCH_MAX_BACKLOG } from "../../src/handlers/watch.js";
import { memoryScheduler } from "../memory.js";

const spec = (labels: Record<string, string> = {}) => ({ image: "busybox", command: ["true"], labels });

describe("List", () => {
  it("filters by state and labels, newest first, in pages", async () => {
    const s = memoryScheduler();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await s.client.submit({ spec: spec({ team: i % 2 ? "odd" : "even" }) })).task!.id);
    await s.client.cancel({ taskId: ids[0]! });
    expect((await s.client.list({ labels: { team: "even" } })).tasks.map((t) => t.id)).toEqual([ids[4], ids[2], ids[0]]);
    expect((await s.client.list({ states: [TaskState.CANCELLED] })).tasks.map((t) => t.id)).toEqual([ids[0]]);
    const first = await s.client.list({ pageSize: 2 });
    const second = await s.client.list({ pageSize: 2, pageToken: first.nextPageToken });
    const last = await s.client.list({ pageSize: 2, pageToken: second.nextPageToken });
    expect([...first.tasks, ...second.tasks, ...last.tasks].map((t) => t.id)).toEqual([...ids].reverse());
    expect(last.nextPageToken).toBe("");
  });

  it.each([
    ["a negative page size", { pageSize: -1 }, "page_size: must not be negative"],
    ["a page token this server did not give out", { pageToken: "bm9wZQ" }, "page_token: is not a token this server gave out"],
    ["an unknown state", { states: [99 as TaskState] }, "states[0]: 99 is not a task state"],
  ])("answers %s INVALID_ARGUMENT", async (_, req, rawMessage) => {
    await expect(memoryScheduler().client.list(req)).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage });
  });
});

describe("Watch", () => {
  it("sends the current state, then every change", async () => {
    const s = memoryScheduler();
    const id = (await s.client.submit({ spec: spec() })).task!.id;
    const ac = new AbortController();
    const seen: Task[] = [];
    const stream = s.client.watch({ taskId: id }, { signal: ac.signal });
    for await (const r of stream) {
      seen.push(r.task!);
      if (seen.length === 1) await s.client.cancel({ taskId: id, reason: "done" });
      if (seen.length === 2) break;
    }
    expect(seen.map((t) => t.state)).toEqual([TaskState.PENDING, TaskState.CANCELLED]);
  });

  it("watches every task when no id is given", async () => {
    const s = memoryScheduler();
    const a = (await s.client.submit({ spec: spec() })).task!.id;
    const seen: string[] = [];
    for await (const r of s.client.watch({})) {
      seen.push(r.task!.id);
      if (seen.length === 1) await s.client.submit({ spec: spec() });
      if (seen.length === 2) break;
    }
    expect(seen[0]).toBe(a);
    expect(seen[1]).not.toBe(a);
  });

  it("answers an unknown task NOT_FOUND", async () => {
    const s = memoryScheduler();
    await expect(s.client.watch({ taskId: "t-nope" })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: Code.NotFound });
  });

  it(`ends a watcher ${WATCH_MAX_BACKLOG} updates behind with RESOURCE_EXHAUSTED through the error boundary`, async () => {
    const s = memoryScheduler();
    const id = (await s.client.submit({ spec: spec() })).task!.id;
    const it = s.client.watch({ taskId: id })[Symbol.asyncIterator]();
    await it.next(); // the current state; the handler now waits on its queue
    const t = s.deps.view.get(id)!;
    const rev = s.deps.view.revisionOf(id)!;
    for (let i = 1; i <= WATCH_MAX_BACKLOG + 1; i++) s.deps.view.offer({ ...t, message: String(i) }, rev + i);
    await expect(it.next()).rejects.toMatchObject({ code: Code.ResourceExhausted, rawMessage: "watcher fell too far behind; reconnect" });
  });
});
