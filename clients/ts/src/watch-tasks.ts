/**
 * watchTasks: Watch (one task, or every task) as an async iterator of Task that reconnects by
 * itself, like followLogs: after a retryable error it calls Watch again after a backoff. Watch
 * sends the current state first, so a reconnect may repeat the newest state of a task (never
 * an older one). Ends when the server ends the stream, or `signal` aborts (throws CANCELED).
 */
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { SchedulerService } from "./gen/trainyard/v1/scheduler_pb.js";
import type { Task } from "./gen/trainyard/v1/task_pb.js";
import { backOffOrThrow, type RetryOptions } from "./follow-logs.js";

/** signal, backoff, maxRetries, onRetry: as for followLogs. */
export type WatchTasksOptions = RetryOptions;

type WatchClient = Pick<Client<typeof SchedulerService>, "watch">;

export async function* watchTasks(client: WatchClient, taskId = "", o: WatchTasksOptions = {}): AsyncGenerator<Task, void, undefined> {
  const { signal } = o;
  let failures = 0;
  for (;;) {
    if (signal?.aborted) throw ConnectError.from(signal.reason, Code.Canceled);
    try {
      for await (const { task } of client.watch({ taskId }, signal ? { signal } : {})) {
        if (!task) continue;
        failures = 0;
        yield task;
      }
      return;
    } catch (e) {
      await backOffOrThrow(e, failures++, o);
    }
  }
}
