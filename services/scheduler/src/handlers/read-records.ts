import type { TaskRecord } from "@trainyard/common";
import type { SchedulerDeps } from "../deps.js";

/**
 * The records of tasks the view listed, in the same order: from the view when it holds them whole
 * (not final), else read from KV; a task deleted meanwhile is left out.
 */
export async function readRecords(d: Pick<SchedulerDeps, "view" | "store">, tasks: readonly { id: string }[]): Promise<TaskRecord[]> {
  const records = await Promise.all(tasks.map(async ({ id }) => d.view.get(id) ?? (await d.store.get(id))?.task));
  return records.filter((t): t is TaskRecord => t !== undefined);
}
