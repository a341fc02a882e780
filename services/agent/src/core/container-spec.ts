import { namespaceOf, type Mount, type TaskRecord } from "@trainyard/common";
import { VOLUME_NAMESPACE } from "./mount-policy.js";
import type { ContainerMount, ContainerSpec } from "../runtime/container-runtime.js";

/** Labels every task container carries: how an agent finds its containers again. */
export const LABEL = {
  task: "trainyard.task",
  attempt: "trainyard.attempt",
  node: "trainyard.node",
  /** The GPU devices the attempt holds, comma separated (absent: none): read back after a restart. */
  gpus: "trainyard.gpus",
} as const;

/** Label of a volume Docker creates for a task's mount: the task that first used it. */
export const VOLUME_CREATED_BY = "trainyard.volume.created-by-task";

/**
 * The capabilities a task keeps; Docker's others (NET_RAW, MKNOD, SETFCAP, SETPCAP, SYS_CHROOT,
 * AUDIT_WRITE) are dropped, and never SYS_ADMIN. Enough for images that install packages or
 * switch users as they start (chown, setuid, file ownership), not for raw sockets or devices.
 */
export const CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "NET_BIND_SERVICE"];

/** Above 0: under memory pressure the kernel kills a task before the agent, dockerd or NATS. */
export const OOM_SCORE_ADJ = 500;

/**
 * The container for one attempt of a task, with the hardened profile (CAPABILITIES,
 * no-new-privileges, OOM_SCORE_ADJ; the task's user and read-only root filesystem). Pure.
 * @param mounts the spec's mounts with bind sources already checked and resolved
 *   (runner/resolve-mounts.ts); defaults to the spec's own, unchecked.
 */
export function containerSpec(
  task: TaskRecord,
  attempt: number,
  nodeId: string,
  pidsLimit: number,
  mounts: readonly Mount[] = task.spec.mounts ?? [],
  gpuMode: ContainerSpec["gpuMode"] = "device-requests",
): ContainerSpec {
  const s = task.spec;
  const gpuIds = attemptGpus(task, attempt);
  return {
    name: `trainyard-${task.id}-${attempt}`,
    image: s.image,
    command: s.command,
    env: {
      ...s.env,
      // A host whose default runtime is nvidia shows every GPU unless told otherwise.
      ...(gpuIds.length === 0 ? { NVIDIA_VISIBLE_DEVICES: "void" } : gpuMode === "env" ? { NVIDIA_VISIBLE_DEVICES: gpuIds.join(",") } : {}),
      TRAINYARD_TASK_ID: task.id,
      TRAINYARD_ATTEMPT: String(attempt),
      ...(s.checkpoint ? { TRAINYARD_CHECKPOINT_DIR: s.checkpoint.path } : {}),
      ...(task.array ? { TRAINYARD_ARRAY_ID: task.array.id, TRAINYARD_ARRAY_INDEX: String(task.array.index), TRAINYARD_ARRAY_COUNT: String(task.array.count) } : {}),
    },
    labels: {
      ...prefixed(s.labels),
      [LABEL.task]: task.id,
      [LABEL.attempt]: String(attempt),
      [LABEL.node]: nodeId,
      ...(gpuIds.length ? { [LABEL.gpus]: gpuIds.join(",") } : {}),
    },
    nanoCpus: Math.round(s.resources.cpus * 1e9),
    memoryBytes: s.resources.memoryBytes,
    pidsLimit,
    gpuIds,
    gpuMode,
    network: s.network ?? "none",
    capabilities: CAPABILITIES,
    oomScoreAdj: OOM_SCORE_ADJ,
    ...(s.user ? { user: s.user } : {}),
    readOnlyRootfs: s.readOnlyRootfs ?? false,
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

/** The devices placed for `attempt` (its record's gpu_ids). */
export function attemptGpus(task: TaskRecord, attempt: number): string[] {
  return task.attempts.find((a) => a.number === attempt)?.gpuIds ?? [];
}
