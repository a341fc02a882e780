/** Plain-data fixtures shared by the services' unit tests. */
import type { TaskSpec } from "../src/model/task.js";

/** A resolved TaskSpec with the defaults Submit stores, patched. */
export function taskSpec(patch: Partial<TaskSpec> = {}): TaskSpec {
  return {
    image: "busybox",
    command: ["sh", "-c", "echo hi"],
    env: {},
    resources: { cpus: 0, memoryBytes: 0, gpus: 0 },
    retry: { maxRetries: 3, delayMs: 5_000 },
    timeoutMs: 0,
    labels: {},
    pool: "default",
    stopGraceMs: 10_000,
    ...patch,
  };
}
