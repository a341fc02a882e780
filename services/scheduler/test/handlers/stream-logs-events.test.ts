/** StreamLogs and GetEvents in memory (the log reader is a stand-in; tests/ read real JetStream). */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { LogStream } from "@trainyard/client";
import { memoryScheduler } from "../memory.js";

describe("StreamLogs", () => {
  it("streams the reader's frames after after_seq, and counts them delivered", async () => {
    const s = memoryScheduler();
    const id = (await s.client.submit({ spec: { image: "busybox" } })).task!.id;
    s.logs.frames.set(id, [1, 2, 3].map((seq) => ({ seq, attempt: 1, stream: "stdout" as const, time: seq, data: Buffer.from(`line ${seq}\n`) })));
    const got: string[] = [];
    for await (const r of s.client.streamLogs({ taskId: id, afterSeq: 1n })) {
      for (const f of r.frames) got.push(`${f.seq} ${LogStream[f.stream]} ${Buffer.from(f.data).toString().trim()}`);
    }
    expect(got).toEqual(["2 STDOUT line 2", "3 STDOUT line 3"]);
  });

  it("answers an unknown task NOT_FOUND", async () => {
    const s = memoryScheduler();
    await expect(s.client.streamLogs({ taskId: "t-nope" })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: Code.NotFound });
  });
});

describe("GetEvents", () => {
  it("returns the task's history, oldest first", async () => {
    const s = memoryScheduler();
    const id = (await s.client.submit({ spec: { image: "busybox" } })).task!.id;
    await s.client.cancel({ taskId: id, reason: "by user" });
    const { events } = await s.client.getEvents({ taskId: id });
    expect(events.map((e) => [e.type, e.message])).toEqual([
      ["submitted", "submitted: busybox"],
      ["cancelled", "cancelled: by user"],
    ]);
  });
});
