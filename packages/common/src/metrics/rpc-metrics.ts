/**
 * RPC latency as a Prometheus histogram, `trainyard_rpc_duration_seconds{service, method, code}`:
 * one observation per RPC when it ends (streaming RPCs: when the stream ends, so a followed log
 * stream counts its whole life). `code` is the canonical gRPC name the client got ("OK",
 * "NOT_FOUND", ...): install it outside errorInterceptor (startGrpcServer does, when given a
 * registry).
 */
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { Histogram, type Registry } from "prom-client";
import { codeName } from "../grpc/logging.js";
import { rpcEndInterceptor } from "../grpc/rpc-end.js";

/** Seconds; streaming RPCs (log follows, watches) run for minutes, so the buckets reach 30 min. */
export const RPC_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

export function rpcMetricsInterceptor(registry: Registry): Interceptor {
  const duration = new Histogram({
    name: "trainyard_rpc_duration_seconds",
    help: "gRPC calls served, by service, method and gRPC status code; streaming calls measured to the end of the stream",
    labelNames: ["service", "method", "code"] as const,
    buckets: RPC_BUCKETS,
    registers: [registry],
  });
  return rpcEndInterceptor((req, outcome, ms) => {
    duration.observe({ service: req.method.parent.typeName, method: req.method.name, code: grpcCodeName(outcome) }, ms / 1000);
  });
}

/** undefined (success) → "OK"; anything thrown → its gRPC code's canonical name ("NOT_FOUND"). */
export function grpcCodeName(outcome: unknown): string {
  return codeName(outcome === undefined ? 0 : ConnectError.from(outcome).code).toUpperCase();
}
