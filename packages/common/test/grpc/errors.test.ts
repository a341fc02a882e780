/** Domain errors through the boundary, as connect and grpc-js clients see them on the wire. */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { SchedulerService, type GetResponse } from "@trainyard/client";
import { BadRequestSchema, type GrpcServer } from "../../src/grpc/index.js";
import { memoryLogger, SECRET, startSchedulerFixture, type LogLine } from "./fixture.js";
import { grpcJsClient } from "./grpc-js-client.js";

describe("error boundary over the wire", () => {
  let server: GrpcServer;
  let lines: LogLine[];
  beforeAll(async () => {
    const mem = memoryLogger();
    lines = mem.lines;
    server = await startSchedulerFixture(mem.logger);
  });
  afterAll(() => server.close(100));

  const get = async (taskId: string, transport = createGrpcTransport({ baseUrl: server.url })) => {
    const err = await createClient(SchedulerService, transport).get({ taskId }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectError);
    return err as ConnectError;
  };

  it("sends NotFoundError as NOT_FOUND with its message", async () => {
    const err = await get("nope");
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe('task "nope" not found');
  });

  it("sends InvalidArgumentError as INVALID_ARGUMENT naming the field, with a BadRequest detail", async () => {
    const err = await get("");
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toBe("task_id: must not be empty");
    expect(err.findDetails(BadRequestSchema)).toMatchObject([{ fieldViolations: [{ field: "task_id", description: "task_id: must not be empty" }] }]);
  });

  it("hides unexpected errors as INTERNAL 'internal error' and logs them with their stack", async () => {
    for (const transport of [createGrpcTransport({ baseUrl: server.url }), createConnectTransport({ baseUrl: server.url, httpVersion: "2" })]) {
      const err = await get("boom", transport);
      expect(err.code).toBe(Code.Internal);
      expect(err.rawMessage).toBe("internal error");
      const metadata: string[] = [];
      err.metadata.forEach((v, k) => metadata.push(k, v));
      expect(JSON.stringify({ ...err, message: err.message, metadata })).not.toContain(SECRET);
    }
    const logged = lines.filter((l) => l.msg === "unhandled error in RPC handler");
    expect(logged).toHaveLength(2);
    expect((logged[0]?.err as { stack: string }).stack).toContain(SECRET);
    expect(logged[0]?.rpc).toBe("/trainyard.v1.SchedulerService/Get");
  });

  it("maps errors thrown mid-stream, after messages were sent", async () => {
    const client = createClient(SchedulerService, createGrpcTransport({ baseUrl: server.url }));
    for (const [taskId, code, message] of [
      ["boom", Code.Internal, "internal error"],
      ["nats", Code.Unavailable, "NATS unavailable"],
    ] as const) {
      const got: string[] = [];
      const err = await (async () => {
        for await (const res of client.watch({ taskId })) got.push(res.task?.id ?? "");
      })().catch((e: unknown) => e);
      expect(got).toEqual([taskId]);
      expect(err).toBeInstanceOf(ConnectError);
      expect([(err as ConnectError).code, (err as ConnectError).rawMessage]).toEqual([code, message]);
    }
    expect(lines.some((l) => l.msg === "unhandled error in RPC handler" && l.rpc === "/trainyard.v1.SchedulerService/Watch")).toBe(true);
  });

  it("maps not-found for a grpc-js client too", async () => {
    const client = grpcJsClient(SchedulerService, server.url);
    try {
      const err = await new Promise<grpc.ServiceError>((resolve, reject) =>
        client.get!({ taskId: "nope" }, (e: grpc.ServiceError | null, res?: GetResponse) => (e ? resolve(e) : reject(new Error(`unexpected ${String(res)}`)))),
      );
      expect(err.code).toBe(grpc.status.NOT_FOUND);
      expect(err.details).toBe('task "nope" not found');
      const ok = await new Promise<GetResponse>((resolve, reject) =>
        client.get!({ taskId: "t-1" }, (e: grpc.ServiceError | null, res?: GetResponse) => (e ? reject(e) : resolve(res!))),
      );
      expect(ok.task?.id).toBe("t-1");
    } finally {
      client.close();
    }
  });
});
