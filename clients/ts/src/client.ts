import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { bearerToken } from "./bearer.js";
import { AgentService } from "./gen/trainyard/v1/agent_pb.js";
import { trainyardClient, type TrainyardClient } from "./trainyard-client.js";

export interface TrainyardClientOptions {
  /** e.g. "http://127.0.0.1:50051" (cleartext HTTP/2 by default). */
  baseUrl: string;
  /** Default "grpc". "connect": the Connect protocol (JSON-capable, also over HTTP/1.1). */
  protocol?: "grpc" | "connect";
  /**
   * Connect protocol only: "1.1" talks HTTP/1.1, for the scheduler's HTTP/1.1 port
   * (TRAINYARD_HTTP_ADDR, :50053); "2" (default) for its gRPC port (:50051).
   */
  httpVersion?: "1.1" | "2";
  /** Sent as `authorization: Bearer <token>` with every call (schedulers and agents with TRAINYARD_AUTH_FILE). */
  token?: string;
  /**
   * For an https:// baseUrl: the CA that signed the server's certificate (PEM; default: the
   * system's), and a client certificate and key for a server that wants one (mTLS).
   */
  tls?: ClientTls;
}

export interface ClientTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}


export type { SchedulerClient, TrainyardClient, TrainyardHelpers } from "./trainyard-client.js";
export type AgentClient = Client<typeof AgentService>;

function transport(o: TrainyardClientOptions) {
  const interceptors = o.token ? [bearerToken(o.token)] : [];
  const nodeOptions = { ...(o.tls?.ca && { ca: o.tls.ca }), ...(o.tls?.cert && { cert: o.tls.cert }), ...(o.tls?.key && { key: o.tls.key }) };
  if (o.protocol !== "connect") return createGrpcTransport({ baseUrl: o.baseUrl, interceptors, nodeOptions });
  return o.httpVersion === "1.1"
    ? createConnectTransport({ baseUrl: o.baseUrl, httpVersion: "1.1", interceptors, nodeOptions })
    : createConnectTransport({ baseUrl: o.baseUrl, httpVersion: "2", interceptors, nodeOptions });
}

/**
 * A typed SchedulerService client for Node (gRPC over h2c by default): every RPC
 * (`submit`, `get`, `list`, `cancel`, `watch`, `streamLogs`, ...) plus `followLogs`.
 * For browsers use `@trainyard/client/web`.
 */
export function createTrainyardClient(o: TrainyardClientOptions): TrainyardClient {
  return trainyardClient(transport(o));
}

/** A typed AgentService client for one agent. */
export function createAgentClient(o: TrainyardClientOptions): AgentClient {
  return createClient(AgentService, transport(o));
}
