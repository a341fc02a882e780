/**
 * Tasks as a caller may see them: a task of a namespace the caller does not see is NOT_FOUND,
 * exactly like a task that does not exist, so ids of other namespaces reveal nothing.
 */
import { namespaceOf, NotFoundError, seesNamespace, type Principal } from "@trainyard/common";
import type { SchedulerDeps } from "../deps.js";
import type { StoredTask } from "../store/task-store.js";

export async function visibleTask(d: Pick<SchedulerDeps, "store">, id: string, p: Principal): Promise<StoredTask> {
  const s = await d.store.get(id);
  if (!s || !seesNamespace(p, namespaceOf(s.task))) throw new NotFoundError("task", id);
  return s;
}
