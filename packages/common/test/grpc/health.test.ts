import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as Status } from "@trainyard/client/gen/grpc/health/v1/health_pb";
import type { GrpcServer } from "../../src/grpc/index.js";
import { HealthRegistry } from "../../src/grpc/health.js";
import { startSchedulerFixture } from "./fixture.js";

describe("grpc.health.v1.Health", () => {
  let server: GrpcServer;
  beforeEach(async () => {
    server = await startSchedulerFixture();
  });
  afterEach(() => server.close(100));

  const grpcClient = () => createClient(Health, createGrpcTransport({ baseUrl: server.url }));

  it("reports the whole server and each listed service SERVING on every protocol", async () => {
    for (const transport of [
      createGrpcTransport({ baseUrl: server.url }),
      createGrpcWebTransport({ baseUrl: server.url, httpVersion: "2" }),
      createConnectTransport({ baseUrl: server.url, httpVersion: "2" }),
    ]) {
      const health = createClient(Health, transport);
      expect((await health.check({ service: "" })).status).toBe(Status.SERVING);
      expect((await health.check({ service: "trainyard.v1.SchedulerService" })).status).toBe(Status.SERVING);
    }
  });

  it("fails Check for an unknown service with NOT_FOUND", async () => {
    const err = await grpcClient().check({ service: "nope.v1.Nothing" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });

  it("lists every status", async () => {
    const res = await grpcClient().list({});
    expect(Object.fromEntries(Object.entries(res.statuses).map(([k, v]) => [k, v.status]))).toEqual({
      "": Status.SERVING,
      "trainyard.v1.SchedulerService": Status.SERVING,
    });
  });

  it("streams status changes to Watch, SERVICE_UNKNOWN first for unknown services", async () => {
    const known = grpcClient().watch({ service: "trainyard.v1.SchedulerService" })[Symbol.asyncIterator]();
    const unknown = grpcClient().watch({ service: "later.v1.Svc" })[Symbol.asyncIterator]();
    expect((await known.next()).value?.status).toBe(Status.SERVING);
    expect((await unknown.next()).value?.status).toBe(Status.SERVICE_UNKNOWN);
    server.health.set("trainyard.v1.SchedulerService", false);
    server.health.set("later.v1.Svc", true);
    expect((await known.next()).value?.status).toBe(Status.NOT_SERVING);
    expect((await unknown.next()).value?.status).toBe(Status.SERVING);
    await known.return?.();
    await unknown.return?.();
  });

  it("flips watchers to NOT_SERVING on close, then ends their streams UNAVAILABLE", async () => {
    const watch = grpcClient().watch({ service: "" })[Symbol.asyncIterator]();
    expect((await watch.next()).value?.status).toBe(Status.SERVING);
    const closed = server.close(2000);
    expect((await watch.next()).value?.status).toBe(Status.NOT_SERVING);
    const end = await watch.next().catch((e: unknown) => e);
    expect(end).toBeInstanceOf(ConnectError);
    expect((end as ConnectError).code).toBe(Code.Unavailable);
    await closed;
  });

});

describe("HealthRegistry", () => {
  it("keeps every entry NOT_SERVING once shut down, whatever set() is called with later", () => {
    const registry = new HealthRegistry(["a.v1.A"]);
    const seen: Array<[string, Status]> = [];
    registry.subscribe((service, status) => seen.push([service, status]));
    registry.shutdown();
    registry.shutdown();
    registry.set("a.v1.A", true);
    registry.set("b.v1.B", true);
    expect(seen).toEqual([
      ["", Status.NOT_SERVING],
      ["a.v1.A", Status.NOT_SERVING],
      ["b.v1.B", Status.NOT_SERVING],
    ]);
    expect(registry.get("a.v1.A")).toBe(Status.NOT_SERVING);
  });
});
