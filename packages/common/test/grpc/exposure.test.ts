/**
 * Where a server may be reached from (grpc/exposure.ts): no auth file means loopback only, and the
 * HTTP/1.1 port answers only Host names it serves (DNS rebinding from a web page is refused).
 */
import * as http from "node:http";
import { describe, expect, it } from "vitest";
import { file_trainyard_v1_scheduler, SchedulerService } from "@trainyard/client";
import { allowedHosts, exposedAddress, requireAuthBeyondLoopback, startGrpcServer } from "../../src/grpc/index.js";
import { hostName } from "../../src/grpc/exposure.js";
import { memoryLogger, schedulerRoutes } from "./fixture.js";

describe("the secure default", () => {
  it.each([
    [["127.0.0.1:50051", "127.0.0.1:50053"], undefined],
    [["localhost:50051", "[::1]:50053", "127.1.2.3:1"], undefined],
    [["127.0.0.1:50051", ""], undefined],
    [["127.0.0.1:50051", "0.0.0.0:50053"], "0.0.0.0:50053"],
    [[":50051"], ":50051"],
    [["[::]:50051"], "[::]:50051"],
    [["10.0.0.5:50051"], "10.0.0.5:50051"],
  ])("%j exposes %s", (addresses, exposed) => {
    expect(exposedAddress(addresses)).toBe(exposed);
  });

  it("refuses to listen beyond loopback without an auth file, unless told the network is trusted", () => {
    expect(() => requireAuthBeyondLoopback(["0.0.0.0:50051"], { auth: false, insecure: false })).toThrow(
      /refusing to listen on 0\.0\.0\.0:50051 without TRAINYARD_AUTH_FILE.*TRAINYARD_INSECURE=true/,
    );
    expect(() => requireAuthBeyondLoopback(["0.0.0.0:50051"], { auth: true, insecure: false })).not.toThrow();
    expect(() => requireAuthBeyondLoopback(["0.0.0.0:50051"], { auth: false, insecure: true })).not.toThrow();
    expect(() => requireAuthBeyondLoopback(["127.0.0.1:50051"], { auth: false, insecure: false })).not.toThrow();
  });
});

describe("the Host check", () => {
  it.each([
    ["127.0.0.1:50053", "127.0.0.1"],
    ["Localhost:50053", "localhost"],
    ["[::1]:50053", "::1"],
    ["trainyard.example", "trainyard.example"],
    [undefined, ""],
  ])("reads the host name of %j as %j", (header, name) => {
    expect(hostName(header)).toBe(name);
  });

  it("allows loopback names, the listen host and the extra names", () => {
    expect([...allowedHosts("10.0.0.5:50053", ["Trainyard.example"])].sort()).toEqual(["10.0.0.5", "127.0.0.1", "::1", "localhost", "trainyard.example"]);
    expect([...allowedHosts("0.0.0.0:50053", [])].sort()).toEqual(["127.0.0.1", "::1", "localhost"]);
  });

  it("answers 421 on the HTTP/1.1 port to a Host it does not serve, and serves its own", async () => {
    const server = await startGrpcServer({
      address: "127.0.0.1:0",
      http1Address: "127.0.0.1:0",
      allowedHosts: allowedHosts("127.0.0.1:0", ["trainyard.example"]),
      routes: schedulerRoutes,
      services: [SchedulerService.typeName],
      files: [file_trainyard_v1_scheduler],
      logger: memoryLogger().logger,
    });
    const port = Number(new URL(server.httpUrl!).port);
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ taskId: "t-1" });
        const req = http.request(
          { host: "127.0.0.1", port, method: "POST", path: "/trainyard.v1.SchedulerService/Get", headers: { host, "content-type": "application/json", "content-length": body.length } },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    try {
      expect(await get(`evil.example:${port}`)).toBe(421);
      expect(await get(`127.0.0.1:${port}`)).toBe(200);
      expect(await get(`localhost:${port}`)).toBe(200);
      expect(await get("trainyard.example")).toBe(200);
    } finally {
      await server.close(100);
    }
  });
});
