/**
 * The client object both entries return (Node: index.ts, browsers: web.ts): the generated
 * SchedulerService client (submit, get, list, cancel, streamLogs, watch, getEvents: every RPC
 * with its own request type) plus helpers built on it. No Node-only imports here.
 */
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { SchedulerService } from "./gen/trainyard/v1/scheduler_pb.js";
import type { LogFrame, Task } from "./gen/trainyard/v1/task_pb.js";
import { followLogs, type FollowLogsOptions } from "./follow-logs.js";
import { watchTasks, type WatchTasksOptions } from "./watch-tasks.js";

export type SchedulerClient = Client<typeof SchedulerService>;

export interface TrainyardHelpers {
  /** The task's log, resuming by itself across dropped connections (follow-logs.ts). */
  followLogs(taskId: string, options?: FollowLogsOptions): AsyncGenerator<LogFrame, void, undefined>;
  /** Watch (one task, or all with no id), reconnecting by itself (watch-tasks.ts). */
  watchTasks(taskId?: string, options?: WatchTasksOptions): AsyncGenerator<Task, void, undefined>;
}

export type TrainyardClient = SchedulerClient & TrainyardHelpers;

export function trainyardClient(transport: Transport): TrainyardClient {
  const raw = createClient(SchedulerService, transport);
  const helpers: TrainyardHelpers = {
    followLogs: (taskId, options) => followLogs(raw, taskId, options),
    watchTasks: (taskId, options) => watchTasks(raw, taskId, options),
  };
  return Object.assign(raw, helpers);
}
