import { namespaceOf, type Mount, type TaskRecord } from "@trainyard/common";
import { VOLUME_NAMESPACE } from "./mount-policy.js";
import type { ContainerMount, ContainerSpec } from "../runtime/container-runtime.js";

/** Labels every task container carries: how an agent finds its containers again. */
export const LABEL = {
  task: "trainyard.task",
  attempt: "trainyard.attempt",
  node: "trainyard.node",
} as const;

/** Label of a volume Docker creates for a task's mount: the task that first used it. */
export const VOLUME_CREATED_BY = "trainyard.volume.created-by-task";

/**
 * The container for one attempt of a task. Pure.
 * @param mounts the spec's mounts with bind sources already checked and resolved
 *   (runner/resolve-mounts.ts); defaults to the spec's own, unchecked.
 */
export function containerSpec(
  task: TaskRecord,
  attempt: number,
  nodeId: string,
  pidsLimit: number,
  mounts: readonly Mount[] = task.spec.mounts ?? [],
): ContainerSpec {
  const s = task.spec;
  return {
    name: `trainyard-${task.id}-${attempt}`,
    image: s.image,
    command: s.command,
    env: {
      ...s.env,
      TRAINYARD_TASK_ID: task.id,
      TRAINYARD_ATTEMPT: String(attempt),
    },
    labels: { ...prefixed(s.labels), [LABEL.task]: task.id, [LABEL.attempt]: String(attempt), [LABEL.node]: nodeId },
    nanoCpus: Math.round(s.resources.cpus * 1e9),
    memoryBytes: s.resources.memoryBytes,
    pidsLimit,
    gpus: s.resources.gpus,
    mounts: mounts.map((m): ContainerMount =>
      m.type === "volume"
        ? { type: "volume", source: m.source, target: m.target, readOnly: m.readOnly, labels: { [VOLUME_CREATED_BY]: task.id, [VOLUME_NAMESPACE]: namespaceOf(task) } }
        : { type: "bind", source: m.source, target: m.target, readOnly: m.readOnly },
    ),
  };
}

/** User labels go on the container too, under "trainyard.label.", never over ours. */
function prefixed(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [`trainyard.label.${k}`, v]));
}
