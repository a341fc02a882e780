// Graceful shutdown: a scheduler that stops ends its StreamLogs and Watch streams with
// UNAVAILABLE, so clients resume on another replica with after_seq, losing and repeating
// nothing. Two replicas on one NATS both serve.
import { describe, expect, it } from "vitest";
import { createTrainyardClient, LogStream, TaskState, type LogFrame } from "@trainyard/client";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("shutdown", { agents: [{ slots: 2 }] }, (x) => (c = x));

describe("scheduler shutdown", () => {
  it("ends follow streams with UNAVAILABLE; the client resumes on another replica exactly", async () => {
    const second = await c.startScheduler();
    const other = createTrainyardClient({ baseUrl: second.url });
    const first = await c.startScheduler();
    const client = createTrainyardClient({ baseUrl: first.url });

    const { task } = await client.submit(spec({ command: sh("for i in $(seq 1 30); do echo $i; sleep 0.05; done") }));
    const got: LogFrame[] = [];
    let closing: Promise<void> | undefined;
    const err = await (async () => {
      for await (const r of client.streamLogs({ taskId: task!.id, follow: true })) {
        got.push(...r.frames);
        if (!closing && text(got, LogStream.STDOUT).includes("5\n")) closing = first.close();
      }
      return null;
    })().catch((e: unknown) => e as { code: number });
    await closing;
    expect(err).toMatchObject({ code: 14 }); // UNAVAILABLE

    const rest = await readLog(other, task!.id, { follow: true, afterSeq: got[got.length - 1]!.seq });
    const expected = Array.from({ length: 30 }, (_, i) => `${i + 1}\n`).join("");
    expect(text([...got, ...rest], LogStream.STDOUT)).toBe(expected);
    expect((await other.get({ taskId: task!.id })).task!.state).toBe(TaskState.SUCCEEDED);
    await second.close();
  });
});
