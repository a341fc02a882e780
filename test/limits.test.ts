// Hard limits on every input of a real scheduler, each a clear error and nothing stored:
// request size (4 MiB, counted after decompression), HTTP/2 streams per connection, streaming
// calls per principal, the stored spec's JSON size, tail_lines, after_seq, timeouts a timer
// cannot hold, reason length.
import http2 from "node:http2";
import { Code } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport } from "@connectrpc/connect-node";
import { createClient } from "@connectrpc/connect";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { SchedulerService } from "@trainyard/client";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { spec } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("limits", { agents: [], schedulerEnv: { TRAINYARD_MAX_STREAMS_PER_PRINCIPAL: "3" } }, (x) => (c = x));

const stored = async () => (await c.client.list({})).tasks.length;
const big = "a".repeat(5 * 1024 * 1024);

describe("request size", () => {
  it("a request over 4 MiB is RESOURCE_EXHAUSTED, and nothing is stored", async () => {
    const before = await stored();
    await expect(c.client.submit(spec({ command: ["echo", big] }))).rejects.toMatchObject({ code: Code.ResourceExhausted });
    expect(await stored()).toBe(before);
  });

  it("so is a small gzip body that inflates past 4 MiB", async () => {
    const gz = createClient(SchedulerService, createGrpcTransport({ baseUrl: c.scheduler.url, sendCompression: compressionGzip }));
    await expect(gz.submit(spec({ command: ["echo", big] }))).rejects.toMatchObject({ code: Code.ResourceExhausted });
    expect((await gz.list({})).tasks).toBeDefined(); // compression itself is fine
  });
});

describe("streams", () => {
  it("an HTTP/2 connection may have at most 128 streams open", async () => {
    const session = http2.connect(c.scheduler.url);
    try {
      const settings = await new Promise<http2.Settings>((resolve) => session.once("remoteSettings", resolve));
      expect(settings.maxConcurrentStreams).toBe(128);
    } finally {
      session.close();
    }
  });

  it("a principal may have TRAINYARD_MAX_STREAMS_PER_PRINCIPAL streaming calls open; one more is RESOURCE_EXHAUSTED until one ends", async () => {
    const { task } = await c.client.submit(spec({ command: ["true"] })); // so a Watch has a first message
    const acs = [new AbortController(), new AbortController(), new AbortController()];
    try {
      const open = acs.map((ac) => c.client.watch({ taskId: task!.id }, { signal: ac.signal })[Symbol.asyncIterator]());
      await Promise.all(open.map((it) => it.next()));
      await expect(c.client.watch({ taskId: task!.id })[Symbol.asyncIterator]().next()).rejects.toMatchObject({
        code: Code.ResourceExhausted,
        rawMessage: expect.stringContaining("TRAINYARD_MAX_STREAMS_PER_PRINCIPAL"),
      });
      acs[0]!.abort();
      await open[0]!.next().catch(() => {});
      await expect
        .poll(async () => {
          const ac = new AbortController();
          try {
            await c.client.watch({ taskId: task!.id }, { signal: ac.signal })[Symbol.asyncIterator]().next();
            return "opened";
          } catch (err) {
            return String(err);
          } finally {
            ac.abort();
          }
        })
        .toBe("opened");
    } finally {
      acs.forEach((ac) => ac.abort());
      await c.client.cancel({ taskId: task!.id });
    }
  });
});

describe("fields", () => {
  it.each([
    ["a spec far larger once stored (JSON escapes)", () => spec({ command: ["\u0001".repeat(200_000)] }), /^spec: is \d+ bytes once stored \(JSON\), more than 262144$/],
    ["a timeout no timer can hold (over 24 days)", () => ({ ...spec({ command: ["true"] }), spec: { ...spec({ command: ["true"] }).spec!, timeout: durationFromMs(25 * 86_400_000) } }), /^spec\.timeout: must be at most 2073600s$/],
  ])("Submit refuses %s: INVALID_ARGUMENT, nothing stored", async (_, req, message) => {
    const before = await stored();
    await expect(c.client.submit(req())).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(message) });
    expect(await stored()).toBe(before);
  });

  it("StreamLogs refuses tail_lines over 100,000 and after_seq over 2^53: INVALID_ARGUMENT", async () => {
    const { task } = await c.client.submit(spec({ command: ["true"] }));
    const first = (req: Parameters<typeof c.client.streamLogs>[0]) => c.client.streamLogs(req)[Symbol.asyncIterator]().next();
    await expect(first({ taskId: task!.id, tailLines: 100_001 })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: "tail_lines: must be at most 100000" });
    await expect(first({ taskId: task!.id, afterSeq: 2n ** 53n })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^after_seq: must be at most/) });
    await c.client.cancel({ taskId: task!.id });
  });

  it("Cancel refuses a reason over 1024 characters: INVALID_ARGUMENT, nothing changed", async () => {
    const { task } = await c.client.submit(spec({ command: ["true"] }));
    await expect(c.client.cancel({ taskId: task!.id, reason: "x".repeat(1025) })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: "reason: is longer than 1024 characters" });
    expect((await c.client.get({ taskId: task!.id })).task!.state).not.toBe(5); // not CANCELLED
    await c.client.cancel({ taskId: task!.id });
  });
});
