/** followLogs against a scripted StreamLogs that fails on cue. */
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { LogFrameSchema, LogStream, StreamLogsRequestSchema, StreamLogsResponseSchema, type LogFrame, type SchedulerClient, type StreamLogsRequest } from "../src/index.js";
import { followLogs } from "../src/follow-logs.js";

const frame = (seq: number) => create(LogFrameSchema, { seq: BigInt(seq), attempt: 1, stream: LogStream.STDOUT, data: new TextEncoder().encode(`${seq}\n`) });

/** Each StreamLogs call runs the next script: frames to send, then how the call ends. */
type Script = { frames: number[]; end?: ConnectError | "hang" };

/**
 * A StreamLogs that plays scripts, the way connect-es clients fail: errors the server sent carry
 * no `cause`; errors this side's transport raised do (see transportError).
 */
function fake(scripts: Script[]) {
  const calls: StreamLogsRequest[] = [];
  const client = {
    streamLogs(req: MessageInitShape<typeof StreamLogsRequestSchema>, opts: { signal?: AbortSignal } = {}) {
      calls.push(create(StreamLogsRequestSchema, req));
      const s = scripts.shift() ?? { frames: [] };
      return (async function* () {
        for (const seq of s.frames) yield create(StreamLogsResponseSchema, { frames: [frame(seq)] });
        if (s.end === "hang") {
          await new Promise((_, reject) => opts.signal?.addEventListener("abort", () => reject(new ConnectError("aborted", Code.Canceled))));
        } else if (s.end) throw s.end;
      })();
    },
  } as unknown as Pick<SchedulerClient, "streamLogs">;
  return { client, calls };
}

const transportError = (message: string, code: Code) => new ConnectError(message, code, undefined, undefined, new Error(message));

async function collect(it: AsyncIterable<LogFrame>): Promise<number[]> {
  const out: number[] = [];
  for await (const f of it) out.push(Number(f.seq));
  return out;
}

const fast = { initialMs: 1, maxMs: 5 };

describe("followLogs", () => {
  it("resumes after retryable errors with after_seq = the last seq, dropping replayed frames", async () => {
    const { client, calls } = fake([
      { frames: [1, 2, 3], end: new ConnectError("server shutting down", Code.Unavailable) },
      { frames: [3, 5], end: transportError("http/2 stream closed with error code INTERNAL_ERROR", Code.Internal) },
      { frames: [], end: transportError("connect ECONNREFUSED", Code.Unavailable) },
      { frames: [4, 5, 8, 9] },
    ]);
    const retries: Code[] = [];
    const seqs = await collect(followLogs(client, "t-1", { backoff: fast, onRetry: (e) => retries.push(e.code) }));
    expect(seqs).toEqual([1, 2, 3, 5, 8, 9]);
    expect(calls.map((c) => [c.taskId, c.follow, c.afterSeq])).toEqual([
      ["t-1", true, 0n],
      ["t-1", true, 3n],
      ["t-1", true, 5n],
      ["t-1", true, 5n],
    ]);
    expect(retries).toEqual([Code.Unavailable, Code.Internal, Code.Unavailable]);
  });

  it("starts after afterSeq, asks for tail_lines only until the first frame, and passes follow=false", async () => {
    const { client, calls } = fake([{ frames: [11], end: new ConnectError("x", Code.Unavailable) }, { frames: [12] }]);
    expect(await collect(followLogs(client, "t", { afterSeq: 0n, tailLines: 5, follow: false, backoff: fast }))).toEqual([11, 12]);
    expect(calls.map((c) => [c.afterSeq, c.tailLines, c.follow])).toEqual([
      [0n, 5, false],
      [11n, 0, false],
    ]);
    const resumed = fake([{ frames: [21] }]);
    await collect(followLogs(resumed.client, "t", { afterSeq: 20n, tailLines: 5 }));
    expect(resumed.calls[0]!.tailLines).toBe(0);
  });

  it("asks every call, resumed ones too, for the same attempt and since", async () => {
    const { client, calls } = fake([{ frames: [3], end: new ConnectError("x", Code.Unavailable) }, { frames: [4] }]);
    const since = new Date(1_700_000_000_500);
    expect(await collect(followLogs(client, "t", { attempt: 2, since, backoff: fast }))).toEqual([3, 4]);
    expect(calls.map((c) => [c.attempt, c.since && timestampMs(c.since)])).toEqual([
      [2, 1_700_000_000_500],
      [2, 1_700_000_000_500],
    ]);
  });

  it.each([Code.NotFound, Code.InvalidArgument, Code.PermissionDenied, Code.Internal, Code.Unknown])("throws code %s sent by the server without retrying", async (code) => {
    const { client, calls } = fake([{ frames: [1], end: new ConnectError("no", code) }, { frames: [2] }]);
    const seen: number[] = [];
    const err = await (async () => {
      for await (const f of followLogs(client, "t", { backoff: fast })) seen.push(Number(f.seq));
    })().catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(code);
    expect(seen).toEqual([1]);
    expect(calls).toHaveLength(1);
  });

  it("retries UNKNOWN raised by the transport (a failed fetch), not by the server", async () => {
    const { client, calls } = fake([{ frames: [1], end: transportError("fetch failed", Code.Unknown) }, { frames: [2] }]);
    expect(await collect(followLogs(client, "t", { backoff: fast }))).toEqual([1, 2]);
    expect(calls).toHaveLength(2);
  });

  it("gives up after maxRetries consecutive failures without a frame", async () => {
    const down = new ConnectError("down", Code.Unavailable);
    const { client, calls } = fake([{ frames: [], end: down }, { frames: [1], end: down }, { frames: [], end: down }, { frames: [], end: down }, { frames: [9] }]);
    const err = await collect(followLogs(client, "t", { backoff: fast, maxRetries: 1 })).catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
    expect(calls).toHaveLength(3); // fail; retry 1: a frame (count reset), fail; retry 1 again: fail → a 2nd retry is over the max
  });

  it("aborts promptly while a call is open and while waiting to retry, with CANCELED", async () => {
    const open = fake([{ frames: [1], end: "hang" }]);
    const ac = new AbortController();
    const it1 = followLogs(open.client, "t", { signal: ac.signal });
    expect(Number((await it1.next()).value?.seq)).toBe(1);
    setTimeout(() => ac.abort(), 20);
    const e1 = await it1.next().catch((e: unknown) => e);
    expect((e1 as ConnectError).code).toBe(Code.Canceled);

    const waiting = fake([{ frames: [], end: new ConnectError("down", Code.Unavailable) }]);
    const ac2 = new AbortController();
    const started = Date.now();
    setTimeout(() => ac2.abort(), 50);
    const e2 = await collect(followLogs(waiting.client, "t", { signal: ac2.signal, backoff: { initialMs: 60_000, maxMs: 60_000 } })).catch((e: unknown) => e);
    expect((e2 as ConnectError).code).toBe(Code.Canceled);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("ends when the server ends the stream with OK", async () => {
    const { client, calls } = fake([{ frames: [] }]);
    expect(await collect(followLogs(client, "t"))).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it("is what createTrainyardClient(...).followLogs runs, next to the raw RPC methods", async () => {
    const { createTrainyardClient } = await import("../src/index.js");
    const c = createTrainyardClient({ baseUrl: "http://127.0.0.1:1" });
    expect(typeof c.submit).toBe("function");
    expect(typeof c.streamLogs).toBe("function");
    const err = await collect(c.followLogs("t", { maxRetries: 0 })).catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });
});
