/**
 * `@trainyard/client/web`: the client for browsers (and any runtime with fetch), over HTTP/1.1 or
 * whatever the browser negotiates, with the Connect protocol (default) or gRPC-Web. The scheduler
 * answers both on its HTTP/1.1 port (TRAINYARD_HTTP_ADDR, default 127.0.0.1:50053; pages from
 * other origins need TRAINYARD_CORS_ORIGINS). Nothing here imports Node modules.
 *
 *   const client = createTrainyardClient({ baseUrl: "http://127.0.0.1:50053" });
 *   for await (const frame of client.followLogs(taskId, { signal })) ...
 */
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { bearerToken } from "./bearer.js";
import { trainyardClient, type TrainyardClient } from "./trainyard-client.js";

export interface TrainyardWebClientOptions {
  baseUrl: string;
  /** Default "connect". */
  protocol?: "connect" | "grpc-web";
  /** Replaces globalThis.fetch (e.g. to add credentials). */
  fetch?: typeof globalThis.fetch;
  /** Sent as `authorization: Bearer <token>` with every call. */
  token?: string;
  /** Connect protocol only: protobuf on the wire instead of JSON (smaller, several times faster to decode). Default false. */
  binary?: boolean;
}

export function createTrainyardClient(o: TrainyardWebClientOptions): TrainyardClient {
  const options = { baseUrl: o.baseUrl, interceptors: o.token ? [bearerToken(o.token)] : [], ...(o.fetch && { fetch: o.fetch }) };
  return trainyardClient(o.protocol === "grpc-web" ? createGrpcWebTransport(options) : createConnectTransport({ ...options, useBinaryFormat: o.binary ?? false }));
}

export type { SchedulerClient, TrainyardClient, TrainyardHelpers } from "./trainyard-client.js";
export { followLogs, isRetryable, RETRYABLE_CODES, type FollowLogsOptions } from "./follow-logs.js";
export { backoffDelay, type BackoffPolicy } from "./backoff.js";
export * from "./gen/trainyard/v1/task_pb.js";
export * from "./gen/trainyard/v1/scheduler_pb.js";
export * from "./gen/trainyard/v1/agent_pb.js";
