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
}


export type { SchedulerClient, TrainyardClient, TrainyardHelpers } from "./trainyard-client.js";
export type AgentClient = Client<typeof AgentService>;

function transport(o: TrainyardClientOptions) {
  const interceptors = o.token ? [bearerToken(o.token)] : [];
  return o.protocol === "connect"
    ? createConnectTransport({ baseUrl: o.baseUrl, httpVersion: o.httpVersion ?? "2", interceptors })
    : createGrpcTransport({ baseUrl: o.baseUrl, interceptors });
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
