/**
 * Watches a task's record while one of its attempts runs here and calls `onStop` (once) when
 * the attempt must stop (core/stop-cause.ts decides: a cancel was requested, or the record moved
 * on). stop() ends the watch; safe to call twice.
 */
import type { AttemptRecords } from "../bus/records.js";
import type { StopCause } from "../core/classify.js";
import { stopCauseFor } from "../core/stop-cause.js";

export function watchForStop(
  records: AttemptRecords,
  taskId: string,
  attempt: number,
  onStop: (cause: StopCause) => void,
  onError: (err: unknown) => void,
): Promise<{ stop(): void }> {
  let fired = false;
  return records.watch(
    taskId,
    (task) => {
      const cause = fired ? null : stopCauseFor(task, attempt);
      if (!cause) return;
      fired = true;
      onStop(cause);
    },
    onError,
  );
}
