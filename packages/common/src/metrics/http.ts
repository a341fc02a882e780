/**
 * startMetricsServer: a plain HTTP/1.1 listener, separate from the gRPC port, answering
 * `GET /metrics` with the registry in Prometheus text format (404 for other paths, 405 for
 * other methods). Started once by a service's composition root when its metrics address is
 * set; close() is idempotent and resolves once the socket and every connection are closed.
 */
import * as http from "node:http";
import type { Registry } from "prom-client";
import { parseListenAddress, urlHost } from "../grpc/address.js";
import type { Logger } from "../logger.js";

export interface MetricsServer {
  /** "http://127.0.0.1:9464/metrics" (wildcard hosts become 127.0.0.1). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(opts: { address: string; registry: Registry; logger: Logger }): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(opts.address, "metrics");
  const log = opts.logger.child({ component: "metrics-server" });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") return void res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n");
    if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405, { allow: "GET, HEAD" }).end();
    opts.registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": opts.registry.contentType }).end(req.method === "HEAD" ? undefined : body),
      (err: unknown) => {
        log.error({ err }, "metrics collection failed");
        res.writeHead(500, { "content-type": "text/plain" }).end("metrics collection failed\n");
      },
    );
  });
  // Scrapers keep connections alive; close() must not wait for them.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host === "" ? undefined : host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => log.error({ err }, "metrics server error"));
  const bound = (server.address() as { port: number }).port;
  const url = `http://${urlHost(host)}:${bound}/metrics`;
  log.info({ url }, "metrics listening");

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  return { url, port: bound, close };
}
