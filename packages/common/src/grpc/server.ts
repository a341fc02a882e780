/**
 * startGrpcServer: an HTTP/2 port (h2c with prior knowledge, or TLS with ALPN h2 when `tls` is
 * given) serving gRPC, gRPC-Web and Connect through connect-node and, with `http1Address`, a
 * second port serving the same over HTTP/1.1 or HTTPS (Connect and gRPC-Web, for browsers and
 * curl; CORS for listed origins); with grpc.health.v1.Health
 * and server reflection (v1 + v1alpha) added next to the caller's routes. (One port for both,
 * told apart by the first bytes, was tried: Node's http2 session then sometimes never answered a
 * client's preface that had been read before the handover, and gRPC clients could not reconnect.)
 * Interceptors, outermost first: access log, RPC metrics (when `opts.metrics` is given), error
 * boundary, then `opts.interceptors`.
 *
 * Lifecycle (called once per process by a service's composition root):
 *
 *   listening ──close()──▶ draining ──all sessions gone──▶ closed
 *
 * close() is idempotent (every call returns the same promise; the first graceMs wins) and, in
 * order: marks health NOT_SERVING (permanently), aborts the handlers' shutdown signal with
 * ConnectError("server shutting down", UNAVAILABLE) so streams end and clients see UNAVAILABLE,
 * then stops accepting and drains both protocols (http2-drain.ts: GOAWAY; http1-drain.ts:
 * `Connection: close`, idle connections closed; each destroys leftovers after `graceMs`, default
 * 5000). It resolves when the listening socket and every connection are closed, even if clients
 * such as grpc-js keep their channels open.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import * as https from "node:https";
import type { DescFile } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { file_grpc_health_v1_health } from "@trainyard/client/gen/grpc/health/v1/health_pb";
import { file_grpc_reflection_v1_reflection } from "@trainyard/client/gen/grpc/reflection/v1/reflection_pb";
import { file_grpc_reflection_v1alpha_reflection } from "@trainyard/client/gen/grpc/reflection/v1alpha/reflection_pb";
import type { Registry } from "prom-client";
import type { TlsFiles } from "../config.js";
import type { Logger } from "../logger.js";
import { rpcMetricsInterceptor } from "../metrics/rpc-metrics.js";
import { parseListenAddress, urlHost } from "./address.js";
import { errorInterceptor } from "./errors.js";
import { withCors } from "./cors.js";
import { hostName } from "./exposure.js";
import { trackHttp1Connections } from "./http1-drain.js";
import { trackHttp2Connections } from "./http2-drain.js";
import { HealthRegistry, healthRoutes, type HealthStatus } from "./health.js";
import { loggingInterceptor } from "./logging.js";
import { reflectionRoutes } from "./reflection.js";

export interface GrpcServerOptions {
  /** "host:port" ("[::1]:port" for IPv6, ":port" for every interface); port 0 picks a free port. */
  address: string;
  routes: (router: ConnectRouter) => void;
  /** Fully qualified names of the services `routes` implements, for health and reflection. */
  services: string[];
  /** Generated file descriptors (e.g. file_trainyard_v1_scheduler) to serve by reflection. */
  files: DescFile[];
  logger: Logger;
  /** Upper bound for client deadlines; a longer grpc-timeout is rejected with INVALID_ARGUMENT. */
  maxTimeoutMs?: number;
  /** Extra interceptors, run inside the logging and error-mapping ones. */
  interceptors?: Interceptor[];
  /** Largest request message (after decompression); larger is RESOURCE_EXHAUSTED. Default 4 MiB. */
  readMaxBytes?: number;
  /**
   * Responses at least this large are compressed when the client accepts it; 0 (the default):
   * never (compressing costs more CPU than it saves on a local network). Requests are always
   * accepted compressed.
   */
  compressMinBytes?: number;
  /** When set, RPC latency (trainyard_rpc_duration_seconds) is recorded in this registry. */
  metrics?: Registry;
  /**
   * When set, a second port, "host:port" like `address`, serves the same services over HTTP/1.1
   * (Connect and gRPC-Web: browsers, curl).
   */
  http1Address?: string;
  /** Origins whose browser pages may call the HTTP/1.1 port (CORS); "*" for any; default none. */
  corsOrigins?: string[];
  /** Pages the HTTP/1.1 port serves besides the RPCs (the web dashboard): true when it answered the request. */
  http1Pages?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /**
   * Host names the HTTP/1.1 port answers to (grpc/exposure.ts allowedHosts); any other Host
   * header gets 421 (DNS rebinding). Undefined: no check.
   */
  allowedHosts?: ReadonlySet<string>;
  /**
   * Serve both ports over TLS with this certificate (PEM); with `clientCa`, every client must
   * present a certificate that CA signed (mTLS). Undefined: cleartext (h2c, plain HTTP/1.1).
   */
  tls?: TlsOptions;
}

/** PEM certificate and key, and the CA client certificates must chain to (mTLS), if any. */
export type TlsOptions = TlsFiles;

export interface GrpcServer {
  /** Base URL for clients, e.g. "http://127.0.0.1:50051" (wildcard hosts become 127.0.0.1). */
  readonly url: string;
  /** Base URL of the HTTP/1.1 port, when there is one. */
  readonly httpUrl?: string;
  readonly port: number;
  readonly health: HealthStatus;
  /** Aborted by close(); also handed to every handler as part of ctx.signal. */
  readonly shutdownSignal: AbortSignal;
  close(graceMs?: number): Promise<void>;
}

const HEALTH = "grpc.health.v1.Health";
const REFLECTION = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];
/** MB of queued outbound data per HTTP/2 session (Node's default 10 makes busy channels fail with ENHANCE_YOUR_CALM). */
const MAX_SESSION_MEMORY_MB = 128;
/** Streams one HTTP/2 connection may have open at once (Node's default is 2^32 - 1). */
export const MAX_CONCURRENT_STREAMS = 128;
export const DEFAULT_READ_MAX_BYTES = 4 * 1024 * 1024;

export async function startGrpcServer(opts: GrpcServerOptions): Promise<GrpcServer> {
  const log = opts.logger.child({ component: "grpc-server" });
  const health = new HealthRegistry(opts.services);
  const shutdown = new AbortController();
  const reflection = reflectionRoutes({
    services: [...opts.services, HEALTH, ...REFLECTION],
    files: [...opts.files, file_grpc_health_v1_health, file_grpc_reflection_v1_reflection, file_grpc_reflection_v1alpha_reflection],
  });
  const handler = connectNodeAdapter({
    routes(router) {
      opts.routes(router);
      healthRoutes(health)(router);
      reflection(router);
    },
    interceptors: [
      loggingInterceptor(log, { shutdownSignal: shutdown.signal }),
      ...(opts.metrics ? [rpcMetricsInterceptor(opts.metrics)] : []),
      errorInterceptor(log),
      ...(opts.interceptors ?? []),
    ],
    shutdownSignal: shutdown.signal,
    // Enforced on the message as decompressed: a small gzip body that inflates past it is refused too.
    readMaxBytes: opts.readMaxBytes ?? DEFAULT_READ_MAX_BYTES,
    compressMinBytes: opts.compressMinBytes || Number.MAX_SAFE_INTEGER,
    ...(opts.maxTimeoutMs !== undefined && { maxTimeoutMs: opts.maxTimeoutMs }),
  });

  const h2Options = { maxSessionMemory: MAX_SESSION_MEMORY_MB, settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS } };
  const tls = opts.tls && tlsServerOptions(opts.tls);
  const h2 = tls ? http2.createSecureServer({ ...h2Options, ...tls, ALPNProtocols: ["h2"] }, handler) : http2.createServer(h2Options, handler);
  const drains = [trackHttp2Connections(h2, log)];
  const listeners: (http.Server | http2.Http2Server | http2.Http2SecureServer)[] = [h2];
  const scheme = tls ? "https" : "http";
  const url = await listen(h2, opts.address, "gRPC", log, scheme);
  let httpUrl: string | undefined;
  if (opts.http1Address) {
    const h1 = tls ? https.createServer(tls) : http.createServer();
    drains.push(trackHttp1Connections(h1, log)); // its "request" listener goes first
    const rpcs = withCors(handler, opts.corsOrigins ?? []);
    const pages = opts.http1Pages;
    h1.on("request", withHostCheck(pages ? (req, res) => void (pages(req, res) || rpcs(req, res)) : rpcs, opts.allowedHosts));
    listeners.push(h1);
    httpUrl = await listen(h1, opts.http1Address, "HTTP/1.1", log, scheme);
  }
  log.info({ url, httpUrl, services: opts.services, tls: tls ? (opts.tls?.clientCa ? "mtls" : "tls") : "off" }, "grpc server listening");

  let closing: Promise<void> | undefined;
  const close = (graceMs = 5000): Promise<void> =>
    (closing ??= (async () => {
      health.shutdown();
      shutdown.abort(new ConnectError("server shutting down", Code.Unavailable));
      const closed = listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve())));
      await Promise.all([...closed, ...drains.map((d) => d.drain(graceMs))]);
      log.info("grpc server closed");
    })());

  return { url, ...(httpUrl ? { httpUrl } : {}), port: Number(new URL(url).port), health, shutdownSignal: shutdown.signal, close };
}

/**
 * Node's TLS server options for `t`: the certificate, and with a client CA, client certificates
 * required. A handshake gets 10 s (Node's default is 120 s), which also bounds close().
 */
function tlsServerOptions(t: TlsOptions) {
  return { cert: t.cert, key: t.key, handshakeTimeout: 10_000, ...(t.clientCa ? { ca: t.clientCa, requestCert: true, rejectUnauthorized: true } : {}) };
}

/** Listens on "host:port"; resolves with the base URL clients use. */
async function listen(server: http.Server | http2.Http2Server | http2.Http2SecureServer, address: string, what: string, log: Logger, scheme: string): Promise<string> {
  const { host, port } = parseListenAddress(address, what);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host === "" ? undefined : host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => log.error({ err }, `${what} server error`));
  return `${scheme}://${urlHost(host)}:${(server.address() as { port: number }).port}`;
}

/** Answers 421 to a request whose Host is not one of `allowed` (when given). */
function withHostCheck(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, allowed: ReadonlySet<string> | undefined) {
  if (!allowed) return handler;
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (allowed.has(hostName(req.headers.host))) return handler(req, res);
    res.writeHead(421, { "content-type": "text/plain", connection: "close" }).end("host not allowed (TRAINYARD_ALLOWED_HOSTS)\n");
  };
}
