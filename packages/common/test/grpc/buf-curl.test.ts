/** The kit as a stock tool sees it: buf curl over h2c, schema from reflection only. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GrpcServer } from "../../src/grpc/index.js";
import { startSchedulerFixture } from "./fixture.js";

const buf = fileURLToPath(new URL("../../../../node_modules/.bin/buf", import.meta.url));

function bufCurl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(buf, ["curl", "--http2-prior-knowledge", "--protocol", "grpc", ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("buf curl against the kit", () => {
  let server: GrpcServer;
  beforeAll(async () => {
    server = await startSchedulerFixture();
  });
  afterAll(() => server.close(100));

  it.each(["grpc-v1", "grpc-v1alpha"])("lists services through reflection (%s)", async (protocol) => {
    const res = await bufCurl("--reflect-protocol", protocol, "--list-services", server.url);
    expect(res.code).toBe(0);
    expect(res.stdout.trim().split("\n")).toEqual(
      expect.arrayContaining(["trainyard.v1.SchedulerService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"]),
    );
  });

  it("calls Get with a reflected schema and gets not_found", async () => {
    const res = await bufCurl("-d", '{"taskId":"x"}', `${server.url}/trainyard.v1.SchedulerService/Get`);
    expect(res.code).not.toBe(0);
    expect(JSON.parse(res.stderr)).toMatchObject({ code: "not_found", message: 'task "x" not found' });
  });

  it("calls Get and prints the task with its WKT-typed fields resolvable", async () => {
    const res = await bufCurl("-d", '{"taskId":"t-1"}', `${server.url}/trainyard.v1.SchedulerService/Get`);
    expect(res.stderr).toBe("");
    expect(JSON.parse(res.stdout)).toEqual({ task: { id: "t-1" } });
  });

  it("checks health", async () => {
    const res = await bufCurl("-d", '{"service":""}', `${server.url}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(res.stdout)).toEqual({ status: "SERVING" });
  });
});
