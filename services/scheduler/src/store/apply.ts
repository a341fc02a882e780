import type { JetStreamClient } from "@nats-io/jetstream";
import { ConflictError, NotFoundError, publishSystemLine } from "@trainyard/common";
import { transition, withFenceSeq, type Input } from "../core/transition.js";
import type { StoredTask, TaskStore } from "./task-store.js";

/**
 * Applies one input to a task: read, decide (pure), publish the decision's SYSTEM lines,
 * compare-and-set. On a lost race it reads again and decides again, so any number of
 * scheduler replicas may apply inputs to the same task at once. Safe to call twice with the
 * same input: the second call changes nothing. Lines go out before the record so that a task
 * seen in a final state has all of its log.
 */
export async function applyInput(
  store: TaskStore,
  js: JetStreamClient,
  taskId: string,
  input: Input,
  now: number = input.time,
): Promise<StoredTask> {
  for (let tries = 0; ; tries++) {
    const cur = await store.get(taskId);
    if (!cur) throw new NotFoundError("task", taskId);
    const t = transition(cur.task, input, now);
    if (!t.changed) return cur;
    let task = t.task;
    for (const line of t.lines) {
      const seq = await publishSystemLine(js, taskId, line.attempt, line.text, input.time, line.fence);
      if (line.fence) task = withFenceSeq(task, line.attempt, seq);
    }
    try {
      return { task, revision: await store.update(task, cur.revision, cur.task) };
    } catch (err) {
      if (!(err instanceof ConflictError) || tries >= 50) throw err;
    }
  }
}
