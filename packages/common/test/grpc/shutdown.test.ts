/** GrpcServer.close(): streams end UNAVAILABLE, the port closes, lingering channels do not block it. */
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SchedulerService, type WatchResponse } from "@trainyard/client";
import { ServerReflection } from "@trainyard/client/gen/grpc/reflection/v1/reflection_pb";
import { startSchedulerFixture } from "./fixture.js";
import { grpcJsClient } from "./grpc-js-client.js";

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(false)));
    s.once("error", () => resolve(true));
  });

describe("GrpcServer.close", () => {
  it("ends open Watch streams with UNAVAILABLE for connect-node and grpc-js clients, and resolves while grpc-js keeps its channel", async () => {
    const server = await startSchedulerFixture();
    const connectWatch = createClient(SchedulerService, createGrpcTransport({ baseUrl: server.url })).watch({ taskId: "a" })[Symbol.asyncIterator]();
    expect((await connectWatch.next()).value?.task?.id).toBe("a");

    const js = grpcJsClient(SchedulerService, server.url);
    const jsCall = js.watch!({ taskId: "b" }) as grpc.ClientReadableStream<WatchResponse>;
    const jsEnd = new Promise<grpc.ServiceError>((resolve) => jsCall.on("error", resolve));
    const jsFirst = await new Promise<WatchResponse>((resolve) => jsCall.once("data", resolve));
    expect(jsFirst.task?.id).toBe("b");

    const started = Date.now();
    await server.close(10_000); // far longer than the test timeout: resolving proves nothing waited for it
    expect(Date.now() - started).toBeLessThan(2_000);

    const connectErr = await connectWatch.next().catch((e: unknown) => e);
    expect(connectErr).toBeInstanceOf(ConnectError);
    expect([(connectErr as ConnectError).code, (connectErr as ConnectError).rawMessage]).toEqual([Code.Unavailable, "server shutting down"]);
    const jsErr = await jsEnd;
    expect([jsErr.code, jsErr.details]).toEqual([grpc.status.UNAVAILABLE, "server shutting down"]);
    expect(await refused(server.port)).toBe(true);
    js.close();
  });

  it("ends reflection streams that clients keep open", async () => {
    const server = await startSchedulerFixture();
    async function* requests() {
      yield { host: "", messageRequest: { case: "listServices" as const, value: "" } };
      await new Promise(() => {}); // the client never half-closes
    }
    const reflection = createClient(ServerReflection, createGrpcTransport({ baseUrl: server.url })).serverReflectionInfo(requests())[Symbol.asyncIterator]();
    expect((await reflection.next()).value?.messageResponse.case).toBe("listServicesResponse");
    const started = Date.now();
    await server.close(10_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(((await reflection.next().catch((e: unknown) => e)) as ConnectError).code).toBe(Code.Unavailable);
  });

  it("is idempotent", async () => {
    const server = await startSchedulerFixture();
    const first = server.close(100);
    expect(server.close()).toBe(first);
    await first;
    await server.close();
    expect(server.shutdownSignal.aborted).toBe(true);
  });

  it("destroys sessions whose handlers ignore the shutdown after the grace period", async () => {
    const server = await startSchedulerFixture();
    const logs = createClient(SchedulerService, createGrpcTransport({ baseUrl: server.url })).streamLogs({ taskId: "t" })[Symbol.asyncIterator]();
    await logs.next();
    const started = Date.now();
    await server.close(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const err = await logs.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect(await refused(server.port)).toBe(true);
  });

  it("rejects new RPCs once closed", async () => {
    const server = await startSchedulerFixture();
    await server.close(100);
    const err = await createClient(SchedulerService, createGrpcTransport({ baseUrl: server.url }))
      .get({ taskId: "t-1" })
      .catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });
});
