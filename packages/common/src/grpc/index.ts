/** The gRPC server kit shared by the scheduler and the agent. */
export { startGrpcServer, type GrpcServer, type GrpcServerOptions, type TlsOptions } from "./server.js";
export type { HealthStatus } from "./health.js";
export { errorInterceptor, toConnectError } from "./errors.js";
export { streamLimitInterceptor } from "./stream-limit.js";
export { loggingInterceptor, codeName, type LoggingOptions } from "./logging.js";
export { abortableIterable } from "./abortable.js";
export { BadRequestSchema, badRequestDetail } from "./bad-request.js";
export { isNatsUnavailable } from "../nats/unavailable.js";
export { allowedHosts, exposedAddress, isLoopbackHost, requireAuthBeyondLoopback } from "./exposure.js";
