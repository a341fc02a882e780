import http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SchedulerService, file_trainyard_v1_scheduler } from "@trainyard/client";
import { silentLogger } from "../../src/logger.js";
import { startGrpcServer, type GrpcServerOptions } from "../../src/grpc/index.js";
import { schedulerRoutes } from "./fixture.js";

const base: GrpcServerOptions = {
  address: "127.0.0.1:0",
  routes: schedulerRoutes,
  services: [SchedulerService.typeName],
  files: [file_trainyard_v1_scheduler],
  logger: silentLogger(),
};

describe("startGrpcServer", () => {
  it("compresses no response unless told a size (then those at least that large), whatever the client accepts", async () => {
    const plain = await startGrpcServer(base);
    const compressing = await startGrpcServer({ ...base, compressMinBytes: 1024 });
    try {
      expect(await firstResponseFlag(plain.url)).toBe(0); // the gRPC message's compressed flag
      expect(await firstResponseFlag(compressing.url)).toBe(1);
    } finally {
      await Promise.all([plain.close(100), compressing.close(100)]);
    }
  });

  it("picks a port and reports a loopback URL for a wildcard host", async () => {
    const server = await startGrpcServer({ ...base, address: "0.0.0.0:0" });
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect((await createClient(SchedulerService, createGrpcTransport({ baseUrl: server.url })).get({ taskId: "t-1" })).task?.id).toBe("t-1");
    } finally {
      await server.close(100);
    }
  });

  it("listens on IPv6 literals", async () => {
    const server = await startGrpcServer({ ...base, address: "[::1]:0" });
    try {
      expect(server.url).toBe(`http://[::1]:${server.port}`);
    } finally {
      await server.close(100);
    }
  });

  it("rejects a malformed address, a taken port, and a service missing from the files", async () => {
    await expect(startGrpcServer({ ...base, address: "localhost" })).rejects.toThrow(/host:port/);
    const first = await startGrpcServer(base);
    try {
      await expect(startGrpcServer({ ...base, address: `127.0.0.1:${first.port}` })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close(100);
    }
    await expect(startGrpcServer({ ...base, services: ["trainyard.v1.Nope"] })).rejects.toThrow(/trainyard.v1.Nope/);
  });

  it("enforces maxTimeoutMs on client deadlines", async () => {
    const server = await startGrpcServer({ ...base, maxTimeoutMs: 1_000 });
    try {
      const client = createClient(SchedulerService, createGrpcTransport({ baseUrl: server.url }));
      expect((await client.get({ taskId: "t-1" }, { timeoutMs: 500 })).task?.id).toBe("t-1");
      const err = await client.get({ taskId: "t-1" }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
      expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    } finally {
      await server.close(100);
    }
  });
});

/** Calls Get("big") (an 8 KiB answer) over raw HTTP/2, accepting gzip, and returns the answer's compressed flag. */
async function firstResponseFlag(url: string): Promise<number> {
  const session = http2.connect(url);
  try {
    const req = session.request({ ":method": "POST", ":path": "/trainyard.v1.SchedulerService/Get", "content-type": "application/grpc", te: "trailers", "grpc-accept-encoding": "gzip" });
    const body = Buffer.from([0x0a, 0x03, ...Buffer.from("big")]);
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(body.length, 1);
    req.end(Buffer.concat([frame, body]));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks)[0]!;
  } finally {
    session.close();
  }
}
