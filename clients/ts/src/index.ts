export * from "./gen/trainyard/v1/task_pb.js";
export * from "./gen/trainyard/v1/scheduler_pb.js";
export * from "./gen/trainyard/v1/agent_pb.js";
export * from "./client.js";
export { followLogs, isRetryable, RETRYABLE_CODES, type FollowLogsOptions } from "./follow-logs.js";
export { backoffDelay, type BackoffPolicy } from "./backoff.js";
export { bearerToken } from "./bearer.js";
