/** The HTTP/1.1 port: Connect and gRPC-Web over HTTP/1.1, next to gRPC over h2c on the gRPC port. */
import * as http from "node:http";
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { SchedulerService } from "@trainyard/client";
import { startSchedulerFixture } from "./fixture.js";
import { grpcJsClient } from "./grpc-js-client.js";

describe("the HTTP/1.1 port", () => {
  it("answers Connect and gRPC-Web over HTTP/1.1 on its port, and gRPC over h2c on the gRPC port", async () => {
    const server = await startSchedulerFixture();
    const js = grpcJsClient(SchedulerService, server.url);
    try {
      const connect11 = createClient(SchedulerService, createConnectTransport({ baseUrl: server.httpUrl!, httpVersion: "1.1" }));
      expect((await connect11.get({ taskId: "t-1" })).task?.id).toBe("t-1");
      const err = await connect11.get({ taskId: "nope" }).catch((e: unknown) => e);
      expect((err as ConnectError).code).toBe(Code.NotFound);

      const grpcWeb11 = createClient(SchedulerService, createGrpcWebTransport({ baseUrl: server.httpUrl!, httpVersion: "1.1" }));
      expect((await grpcWeb11.get({ taskId: "t-1" })).task?.id).toBe("t-1");

      const h2c = createClient(SchedulerService, createGrpcTransport({ baseUrl: server.url }));
      expect((await h2c.get({ taskId: "t-1" })).task?.id).toBe("t-1");
      const viaGrpcJs = await new Promise<unknown>((resolve, reject) =>
        js.get!({ taskId: "t-1" }, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))),
      );
      expect((viaGrpcJs as { task?: { id: string } }).task?.id).toBe("t-1");
    } finally {
      js.close();
      await server.close(100);
    }
  });

  it("answers a plain fetch POST with JSON, errors as Connect JSON with the right HTTP status", async () => {
    const server = await startSchedulerFixture();
    try {
      const ok = await fetch(`${server.httpUrl}/trainyard.v1.SchedulerService/Get`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ taskId: "t-1" }),
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ task: { id: "t-1" } });

      const missing = await fetch(`${server.httpUrl}/trainyard.v1.SchedulerService/Get`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ taskId: "nope" }),
      });
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { code: string }).code).toBe("not_found");
    } finally {
      await server.close(100);
    }
  });

  it("answers CORS preflights and exposes the protocol headers to browsers", async () => {
    const server = await startSchedulerFixture();
    try {
      const pre = await fetch(`${server.httpUrl}/trainyard.v1.SchedulerService/Get`, {
        method: "OPTIONS",
        headers: { origin: "http://app.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,connect-protocol-version" },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe("http://app.example");
      expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
      expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("connect-protocol-version");
      const call = await fetch(`${server.httpUrl}/trainyard.v1.SchedulerService/Get`, {
        method: "POST",
        headers: { origin: "http://app.example", "content-type": "application/json" },
        body: "{}",
      });
      expect(call.headers.get("access-control-allow-origin")).toBe("http://app.example");
      expect(call.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("grpc-status");

      // Any other origin: the preflight is refused and calls carry no CORS headers.
      const evil = await fetch(`${server.httpUrl}/trainyard.v1.SchedulerService/Get`, {
        method: "OPTIONS",
        headers: { origin: "http://evil.example", "access-control-request-method": "POST" },
      });
      expect(evil.status).toBe(403);
      expect(evil.headers.get("access-control-allow-origin")).toBeNull();
      const sneaky = await fetch(`${server.httpUrl}/trainyard.v1.SchedulerService/Get`, {
        method: "POST",
        headers: { origin: "http://evil.example", "content-type": "application/json" },
        body: "{}",
      });
      expect(sneaky.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await server.close(100);
    }
  });

  it("streams over HTTP/1.1, and close() ends the stream with UNAVAILABLE and closes the connection", async () => {
    const server = await startSchedulerFixture();
    const agent = new http.Agent({ keepAlive: true });
    const client = createClient(SchedulerService, createConnectTransport({ baseUrl: server.httpUrl!, httpVersion: "1.1", nodeOptions: { agent } }));
    // An idle keep-alive connection too: close() must not wait for it.
    expect((await client.get({ taskId: "t-1" })).task?.id).toBe("t-1");
    const watch = client.watch({ taskId: "a" })[Symbol.asyncIterator]();
    expect((await watch.next()).value?.task?.id).toBe("a");
    const started = Date.now();
    await server.close(10_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    const err = await watch.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect([(err as ConnectError).code, (err as ConnectError).rawMessage]).toEqual([Code.Unavailable, "server shutting down"]);
    agent.destroy();
  });

  it("destroys HTTP/1.1 connections whose handlers ignore the shutdown after the grace period", async () => {
    const server = await startSchedulerFixture();
    const client = createClient(SchedulerService, createConnectTransport({ baseUrl: server.httpUrl!, httpVersion: "1.1" }));
    const logs = client.streamLogs({ taskId: "t" })[Symbol.asyncIterator]();
    await logs.next();
    const started = Date.now();
    await server.close(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await logs.next().catch((e: unknown) => e)).toBeInstanceOf(ConnectError);
  });

  it("closes connections that never send a byte when the server closes", async () => {
    const server = await startSchedulerFixture();
    const socket = net.connect(Number(new URL(server.httpUrl!).port), "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    const closed = new Promise((r) => socket.once("close", r));
    const started = Date.now();
    await server.close(10_000);
    await closed;
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
