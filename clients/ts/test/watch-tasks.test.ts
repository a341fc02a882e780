/** watchTasks against a scripted Watch that fails on cue. */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { TaskSchema, TaskState, WatchResponseSchema, type SchedulerClient } from "../src/index.js";
import { watchTasks } from "../src/watch-tasks.js";

type Script = { states: TaskState[]; end?: ConnectError };

function fake(scripts: Script[]) {
  let calls = 0;
  const client = {
    watch() {
      calls++;
      const s = scripts.shift() ?? { states: [] };
      return (async function* () {
        for (const state of s.states) yield create(WatchResponseSchema, { task: create(TaskSchema, { id: "t-1", state }) });
        if (s.end) throw s.end;
      })();
    },
  } as unknown as Pick<SchedulerClient, "watch">;
  return { client, calls: () => calls };
}

const fast = { initialMs: 1, maxMs: 5 };

describe("watchTasks", () => {
  it("reconnects after a retryable error and goes on from the current state", async () => {
    const { client, calls } = fake([
      { states: [TaskState.PENDING, TaskState.RUNNING], end: new ConnectError("server shutting down", Code.Unavailable) },
      { states: [TaskState.RUNNING, TaskState.SUCCEEDED] },
    ]);
    const retries: Code[] = [];
    const seen: TaskState[] = [];
    for await (const t of watchTasks(client, "t-1", { backoff: fast, onRetry: (e) => retries.push(e.code) })) seen.push(t.state);
    expect(seen).toEqual([TaskState.PENDING, TaskState.RUNNING, TaskState.RUNNING, TaskState.SUCCEEDED]);
    expect(retries).toEqual([Code.Unavailable]);
    expect(calls()).toBe(2);
  });

  it("throws errors that are not worth a retry at once", async () => {
    const { client, calls } = fake([{ states: [], end: new ConnectError("task t-1 not found", Code.NotFound) }]);
    await expect((async () => { for await (const _ of watchTasks(client, "t-1", { backoff: fast })) void _; })()).rejects.toMatchObject({ code: Code.NotFound });
    expect(calls()).toBe(1);
  });

  it("a signal aborted during the backoff ends it with CANCELED", async () => {
    const ac = new AbortController();
    const { client } = fake([{ states: [], end: new ConnectError("down", Code.Unavailable) }]);
    const p = (async () => { for await (const _ of watchTasks(client, "", { backoff: { initialMs: 10_000 }, signal: ac.signal, onRetry: () => ac.abort() })) void _; })();
    await expect(p).rejects.toMatchObject({ code: Code.Canceled });
  });
});
