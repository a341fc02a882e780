/** Prometheus metrics shared by the scheduler and the agent: per-instance registry, /metrics listener, RPC latency. */
export { createMetricsRegistry, type Registry } from "./registry.js";
export { startMetricsServer, type MetricsServer } from "./http.js";
export { rpcMetricsInterceptor, grpcCodeName, RPC_BUCKETS } from "./rpc-metrics.js";
