import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SchedulerService } from "@trainyard/client";
import { codeName, type GrpcServer } from "../../src/grpc/index.js";
import { memoryLogger, startSchedulerFixture, type LogLine } from "./fixture.js";

const DEBUG = 20;
const WARN = 40;

describe("access log interceptor", () => {
  let server: GrpcServer;
  let lines: LogLine[];
  beforeEach(async () => {
    const mem = memoryLogger();
    lines = mem.lines;
    server = await startSchedulerFixture(mem.logger);
  });
  afterEach(() => server.close(100));

  const client = () => createClient(SchedulerService, createGrpcTransport({ baseUrl: server.url }));
  const rpcLines = () => lines.filter((l) => l.msg === "rpc" || l.msg === "rpc failed");

  it("logs a successful unary call once at debug with code ok and a duration", async () => {
    await client().get({ taskId: "t-1" });
    expect(rpcLines()).toEqual([expect.objectContaining({ level: DEBUG, rpc: "/trainyard.v1.SchedulerService/Get", code: "ok", ms: expect.any(Number) })]);
  });

  it("logs a failed call at warn with the code and the message the client saw", async () => {
    await client().get({ taskId: "nope" }).catch(() => {});
    expect(rpcLines()).toEqual([expect.objectContaining({ level: WARN, code: "not_found", error: 'task "nope" not found' })]);
  });

  it("logs a stream when it ends, not when it starts", async () => {
    const ac = new AbortController();
    const it = client().watch({ taskId: "a" }, { signal: ac.signal })[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 50));
    expect(rpcLines()).toEqual([]);
    ac.abort();
    await it.next().catch(() => {});
    await expect.poll(rpcLines).toEqual([expect.objectContaining({ level: DEBUG, rpc: "/trainyard.v1.SchedulerService/Watch", code: "canceled" })]);
    expect(rpcLines()[0]?.ms).toBeGreaterThanOrEqual(45);
  });

  it("logs streams ended by shutdown at debug, errors mid-stream at warn", async () => {
    await (async () => {
      for await (const _ of client().watch({ taskId: "nats" }));
    })().catch(() => {});
    const it = client().watch({ taskId: "a" })[Symbol.asyncIterator]();
    await it.next();
    await server.close(100);
    await it.next().catch((e: unknown) => expect((e as ConnectError).code).toBe(Code.Unavailable));
    expect(rpcLines().map((l) => [l.level, l.code])).toEqual([
      [WARN, "unavailable"],
      [DEBUG, "unavailable"],
    ]);
  });
});

describe("codeName", () => {
  it("uses the wire names", () => {
    expect([codeName(0), codeName(Code.NotFound), codeName(Code.DeadlineExceeded), codeName(Code.Unavailable)]).toEqual([
      "ok",
      "not_found",
      "deadline_exceeded",
      "unavailable",
    ]);
  });
});
