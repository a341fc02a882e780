import { afterEach, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Counter } from "prom-client";
import { SchedulerService, file_trainyard_v1_scheduler } from "@trainyard/client";
import { silentLogger } from "../../src/logger.js";
import { startGrpcServer, type GrpcServer } from "../../src/grpc/index.js";
import { createMetricsRegistry, grpcCodeName, startMetricsServer, type MetricsServer } from "../../src/metrics/index.js";
import { schedulerRoutes } from "../grpc/fixture.js";

describe("grpcCodeName", () => {
  it.each([
    [undefined, "OK"],
    [new ConnectError("x", Code.NotFound), "NOT_FOUND"],
    [new ConnectError("x", Code.InvalidArgument), "INVALID_ARGUMENT"],
    [new ConnectError("x", Code.Unavailable), "UNAVAILABLE"],
    [new Error("plain"), "UNKNOWN"],
  ])("%s → %s", (outcome, name) => expect(grpcCodeName(outcome)).toBe(name));
});

describe("per-instance registries", () => {
  it("keep two instances' series apart and stay off the global registry", async () => {
    const a = createMetricsRegistry({ processMetrics: false });
    const b = createMetricsRegistry({ processMetrics: false });
    for (const r of [a, b]) new Counter({ name: "trainyard_test_total", help: "t", registers: [r] });
    (a.getSingleMetric("trainyard_test_total") as Counter).inc(3);
    expect(await a.metrics()).toContain("trainyard_test_total 3");
    expect(await b.metrics()).toContain("trainyard_test_total 0");
  });

  it("add the process metrics to each registry", async () => {
    expect(await createMetricsRegistry().metrics()).toContain("process_cpu_user_seconds_total");
    expect(await createMetricsRegistry().metrics()).toContain("nodejs_eventloop_lag_seconds");
  });
});

describe("metrics HTTP endpoint", () => {
  let metrics: MetricsServer | undefined;
  let grpc: GrpcServer | undefined;
  afterEach(async () => {
    await metrics?.close();
    await grpc?.close(100);
  });

  it("serves GET /metrics in the text format on a free port, 404 elsewhere, 405 for POST, and closes", async () => {
    const registry = createMetricsRegistry({ processMetrics: false });
    new Counter({ name: "trainyard_test_total", help: "t", registers: [registry] }).inc();
    metrics = await startMetricsServer({ address: "127.0.0.1:0", registry, logger: silentLogger() });
    expect(metrics.url).toBe(`http://127.0.0.1:${metrics.port}/metrics`);
    const res = await fetch(metrics.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain("trainyard_test_total 1");
    expect((await fetch(metrics.url.replace("/metrics", "/"))).status).toBe(404);
    expect((await fetch(metrics.url, { method: "POST" })).status).toBe(405);
    await metrics.close();
    await metrics.close();
    await expect(fetch(metrics.url)).rejects.toThrow();
  });

  it("refuses a bad address", async () => {
    await expect(startMetricsServer({ address: "nope", registry: createMetricsRegistry(), logger: silentLogger() })).rejects.toThrow(/metrics listen address/);
  });

  it("records RPC latency by service, method and the code the client got; streams when they end", async () => {
    const registry = createMetricsRegistry({ processMetrics: false });
    grpc = await startGrpcServer({
      address: "127.0.0.1:0",
      routes: schedulerRoutes,
      services: [SchedulerService.typeName],
      files: [file_trainyard_v1_scheduler],
      logger: silentLogger(),
      metrics: registry,
    });
    const client = createClient(SchedulerService, createGrpcTransport({ baseUrl: grpc.url }));
    await client.get({ taskId: "t-1" });
    await client.get({ taskId: "t-1" });
    await client.get({ taskId: "nope" }).catch(() => {});
    await client.get({ taskId: "boom" }).catch(() => {});
    const ac = new AbortController();
    const it = client.watch({ taskId: "a" }, { signal: ac.signal })[Symbol.asyncIterator]();
    await it.next();
    const count = async (labels: string) => {
      const m = new RegExp(`^trainyard_rpc_duration_seconds_count\\{${labels}\\} (\\d+)$`, "m").exec(await registry.metrics());
      return m ? Number(m[1]) : 0;
    };
    const svc = 'service="trainyard.v1.SchedulerService"';
    expect(await count(`${svc},method="Get",code="OK"`)).toBe(2);
    expect(await count(`${svc},method="Get",code="NOT_FOUND"`)).toBe(1);
    // The error boundary maps the plain error to INTERNAL before the metrics see it.
    expect(await count(`${svc},method="Get",code="INTERNAL"`)).toBe(1);
    expect(await count(`${svc},method="Watch",code="[A-Z_]+"`)).toBe(0);
    ac.abort();
    await it.next().catch(() => {});
    await expect.poll(() => count(`${svc},method="Watch",code="[A-Z_]+"`)).toBe(1);
  });
});
