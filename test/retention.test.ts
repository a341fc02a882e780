// Retention (issue 11): a final task older than TRAINYARD_TASK_RETENTION is deleted with its log
// frames, claims and idempotency key; Get and StreamLogs answer NOT_FOUND; a task still running,
// and its log, are untouched.
import { Code, ConnectError } from "@connectrpc/connect";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { LogStream, TaskState } from "@trainyard/client";
import { BUCKET, STREAM, taskLogFilter } from "@trainyard/common";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("retention", { schedulerEnv: { TRAINYARD_TASK_RETENTION: "3s" }, agents: [{ slots: 2 }] }, (x) => (c = x));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many messages the stream holds on subjects matching `filter`. */
async function count(stream: string, filter: string): Promise<number> {
  const nc = await connect({ servers: c.nats.url });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream, { subjects_filter: filter });
    return Object.values(info.state.subjects ?? {}).reduce((n, x) => n + x, 0);
  } finally {
    await nc.close();
  }
}

describe("retention", () => {
  it("deletes a final task with its logs, claims and idempotency key past the retention, and nothing else", async () => {
    const old = (await c.client.submit(spec({ command: sh("echo old-1; echo old-2"), idempotencyKey: "retention-key" }))).task!.id;
    await c.waitForState(old, TaskState.SUCCEEDED);
    const live = (await c.client.submit(spec({ command: sh("echo live; sleep 8") }))).task!.id;
    await c.waitFor(live, (t) => t.state === TaskState.RUNNING && t.attempts[0]!.containerId !== "");
    expect(await count(STREAM.logs, taskLogFilter(old))).toBeGreaterThan(0);
    expect(await count(`KV_${BUCKET.claims}`, `$KV.${BUCKET.claims}.${old}.>`)).toBe(1);

    const deadline = Date.now() + 15_000;
    let gone: unknown;
    while (Date.now() < deadline && !(gone instanceof ConnectError)) {
      gone = await c.client.get({ taskId: old }).catch((e: unknown) => e);
      await sleep(200);
    }
    expect((gone as ConnectError).code).toBe(Code.NotFound);
    await expect(readLog(c.client, old)).rejects.toMatchObject({ code: Code.NotFound });
    expect(await count(STREAM.logs, taskLogFilter(old))).toBe(0);
    expect(await count(`KV_${BUCKET.claims}`, `$KV.${BUCKET.claims}.${old}.>`)).toBe(0);
    expect((await c.client.list({})).tasks.map((t) => t.id)).not.toContain(old);
    // The key is free again: the same key makes a new task.
    const again = (await c.client.submit(spec({ command: sh("true"), idempotencyKey: "retention-key" }))).task!.id;
    expect(again).not.toBe(old);

    // The running task and its log are untouched.
    const t = (await c.client.get({ taskId: live })).task!;
    expect(t.state).toBe(TaskState.RUNNING);
    expect(text(await readLog(c.client, live), LogStream.STDOUT)).toBe("live\n");
    await c.client.cancel({ taskId: live });
    await c.waitForState(again, TaskState.SUCCEEDED);
  });
});
