/**
 * The client object both entries return (Node: index.ts, browsers: web.ts): the generated
 * SchedulerService client (submit, get, list, cancel, streamLogs, watch, getEvents,
 * downloadCheckpoint: every RPC with its own request type) plus helpers built on it. No
 * Node-only imports here.
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
  /**
   * The task's newest checkpoint (Task.last_checkpoint) as the pieces of its tar archive, in
   * order (DownloadCheckpoint). Not resumed: a failed download starts again from the first byte.
   * NOT_FOUND: none saved; ABORTED: a newer save replaced it while it was read (download again);
   * DATA_LOSS, which may come after the last piece: it is not the recorded save, so nothing
   * received may be kept (unpack into a scratch place and move it into place only at the end).
   * Named apart from the raw `downloadCheckpoint` RPC, which stays as generated.
   */
  checkpointArchive(taskId: string, options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array, void, undefined>;
}

export type TrainyardClient = SchedulerClient & TrainyardHelpers;

export function trainyardClient(transport: Transport): TrainyardClient {
  const raw = createClient(SchedulerService, transport);
  const helpers: TrainyardHelpers = {
    followLogs: (taskId, options) => followLogs(raw, taskId, options),
    watchTasks: (taskId, options) => watchTasks(raw, taskId, options),
    async *checkpointArchive(taskId, options = {}) {
      for await (const { data } of raw.downloadCheckpoint({ taskId }, options.signal ? { signal: options.signal } : {})) yield data;
    },
  };
  return Object.assign(raw, helpers);
}
