import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { AgentService } from "./gen/trainyard/v1/agent_pb.js";
import { SchedulerService } from "./gen/trainyard/v1/scheduler_pb.js";

export interface TrainyardClientOptions {
  /** e.g. "http://127.0.0.1:50051" (cleartext HTTP/2). */
  baseUrl: string;
  /** Default "grpc". */
  protocol?: "grpc" | "connect";
}

export type SchedulerClient = Client<typeof SchedulerService>;
export type AgentClient = Client<typeof AgentService>;

function transport(o: TrainyardClientOptions) {
  return o.protocol === "connect"
    ? createConnectTransport({ baseUrl: o.baseUrl, httpVersion: "2" })
    : createGrpcTransport({ baseUrl: o.baseUrl });
}

/** A typed SchedulerService client (Node; gRPC over h2c by default). */
export function createTrainyardClient(o: TrainyardClientOptions): SchedulerClient {
  return createClient(SchedulerService, transport(o));
}

/** A typed AgentService client for one agent. */
export function createAgentClient(o: TrainyardClientOptions): AgentClient {
  return createClient(AgentService, transport(o));
}
