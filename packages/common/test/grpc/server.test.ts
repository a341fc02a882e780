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
