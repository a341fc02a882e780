import type { TaskRecord } from "@trainyard/common";
import type { ContainerSpec } from "../runtime/container-runtime.js";

/** Labels every task container carries: how an agent finds its containers again. */
export const LABEL = {
  task: "trainyard.task",
  attempt: "trainyard.attempt",
  node: "trainyard.node",
} as const;

/** The container for one attempt of a task. Pure. */
export function containerSpec(task: TaskRecord, attempt: number, nodeId: string, pidsLimit: number): ContainerSpec {
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
  };
}

/** User labels go on the container too, under "trainyard.label.", never over ours. */
function prefixed(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [`trainyard.label.${k}`, v]));
}
