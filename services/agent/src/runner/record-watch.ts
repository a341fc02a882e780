import type { KV } from "@nats-io/kv";
import { currentAttempt, isFinal, type TaskRecord } from "@trainyard/common";
import type { StopCause } from "./classify.js";

/**
 * Watches a task's record while one of its attempts runs here, and calls `onStop` (once) when
 * the attempt must stop: a cancel was requested, or the record moved on (another attempt is
 * current, or the task is final). The scheduler decides; the agent obeys. Pure decision in
 * stopCauseFor(); the watch is the shell. stop() ends the watch; safe to call twice.
 */
export function stopCauseFor(task: TaskRecord, attempt: number): StopCause | null {
  if (isFinal(task.state) || currentAttempt(task).number !== attempt) return { kind: "superseded" };
  if (task.cancel) return { kind: "cancel", reason: task.cancel.reason };
  return null;
}

export async function watchRecord(
  tasks: KV,
  taskId: string,
  attempt: number,
  onStop: (cause: StopCause) => void,
  onError: (err: unknown) => void,
): Promise<{ stop(): void }> {
  const w = await tasks.watch({ key: taskId });
  let fired = false;
  void (async () => {
    for await (const e of w) {
      if (fired || e.operation !== "PUT") continue;
      const cause = stopCauseFor(e.json<TaskRecord>(), attempt);
      if (cause) {
        fired = true;
        onStop(cause);
      }
    }
  })().catch(onError);
  return { stop: () => w.stop() };
}
