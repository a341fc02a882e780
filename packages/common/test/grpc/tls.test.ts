/**
 * The kit over TLS: both ports serve HTTPS with the given certificate; with a client CA, only
 * clients holding a certificate it signed get in; close() still drains TLS connections promptly.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { SchedulerService } from "@trainyard/client";
import { makeCerts } from "./certs.js";
import { startSchedulerFixture, memoryLogger } from "./fixture.js";

const run = promisify(execFile);
const certs = makeCerts();
const ca = certs.read(certs.ca);
const clientCert = { cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) };
const serverTls = { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) };

const grpcClient = (url: string, nodeOptions: object = {}) => createClient(SchedulerService, createGrpcTransport({ baseUrl: url, nodeOptions }));
const http1Client = (url: string, nodeOptions: object = {}) => createClient(SchedulerService, createConnectTransport({ baseUrl: url, httpVersion: "1.1", nodeOptions }));
const refused = (p: Promise<unknown>) => p.then(() => "served", () => "refused");

describe("startGrpcServer with tls", () => {
  it("serves gRPC and HTTP/1.1 over TLS to clients that trust the CA, and not to cleartext or untrusting ones", async () => {
    const server = await startSchedulerFixture(memoryLogger().logger, serverTls);
    try {
      expect([server.url, server.httpUrl]).toEqual([expect.stringMatching(/^https:/), expect.stringMatching(/^https:/)]);
      expect((await grpcClient(server.url, { ca }).get({ taskId: "t-1" })).task?.id).toBe("t-1");
      expect((await http1Client(server.httpUrl!, { ca }).get({ taskId: "t-1" })).task?.id).toBe("t-1");
      expect(await refused(grpcClient(server.url).get({ taskId: "t-1" }))).toBe("refused"); // unknown issuer
      expect(await refused(grpcClient(server.url.replace("https:", "http:")).get({ taskId: "t-1" }))).toBe("refused");
    } finally {
      await server.close();
    }
  });

  it("with a client CA, requires a client certificate it signed on both ports", async () => {
    const server = await startSchedulerFixture(memoryLogger().logger, { ...serverTls, clientCa: ca });
    try {
      expect((await grpcClient(server.url, { ca, ...clientCert }).get({ taskId: "t-1" })).task?.id).toBe("t-1");
      expect((await http1Client(server.httpUrl!, { ca, ...clientCert }).get({ taskId: "t-1" })).task?.id).toBe("t-1");
      expect(await refused(grpcClient(server.url, { ca }).get({ taskId: "t-1" }))).toBe("refused");
      expect(await refused(http1Client(server.httpUrl!, { ca }).get({ taskId: "t-1" }))).toBe("refused");
    } finally {
      await server.close();
    }
  });

  it("close() drains open TLS streams and keep-alive connections without waiting out the grace period", async () => {
    const server = await startSchedulerFixture(memoryLogger().logger, serverTls);
    const watch = grpcClient(server.url, { ca }).watch({ taskId: "a" })[Symbol.asyncIterator]();
    expect((await watch.next()).value?.task?.id).toBe("a");
    await http1Client(server.httpUrl!, { ca }).get({ taskId: "t-1" }); // leaves a keep-alive connection
    await run("curl", ["-s", "--cacert", certs.ca, "-d", "{}", `${server.httpUrl}/x`]); // a connection the client closed
    const started = Date.now();
    await server.close(10_000); // far longer than the test timeout: resolving proves nothing waited for it
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await refused(watch.next())).toBe("refused");
  });
});
