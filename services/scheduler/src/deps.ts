/**
 * What RPC handlers may use: role interfaces, never raw NATS clients, so handlers run in memory
 * in tests (createRouterTransport) as well as on JetStream. Built once by scheduler.ts (the
 * composition root); time and ids are injected.
 */
import type { Logger } from "pino";
import type { NamespaceQuota } from "@trainyard/common";
import type { ResourcePolicy } from "./core/resources.js";
import type { LogReader } from "./logs/log-reader.js";
import type { SchedulerMetrics } from "./metrics.js";
import type { Applier } from "./store/applier.js";
import type { TasksSpace } from "./store/tasks-space.js";
import type { Drains } from "./store/drains.js";
import type { IdempotencyKeys } from "./store/idempotency.js";
import type { NodeView } from "./store/node-view.js";
import type { QueuePositions } from "./store/queue-positions.js";
import type { TaskStore } from "./store/task-store.js";
import type { TaskView } from "./store/task-view.js";

export interface SchedulerDeps {
  /** Reads (Get always reads the store, never the view). */
  store: Pick<TaskStore, "get">;
  /** Every change of a task goes through it. */
  applier: Applier;
  /** This replica's view of every task (List, Watch). */
  view: TaskView;
  logs: LogReader;
  idempotency: IdempotencyKeys;
  /** Default CPU and memory limits, and each pool's maximum (TRAINYARD_TASK_DEFAULT_*, TRAINYARD_POOL_LIMITS). */
  resources: ResourcePolicy;
  clock: () => number;
  newId: () => string;
  logger: Logger;
  metrics: SchedulerMetrics;
  /** This replica's view of the agents' heartbeats and drains (ListNodes). */
  nodes: NodeView;
  drains: Drains;
  /** Namespace quotas from the auth file (max_pending at Submit). */
  quotas: () => Record<string, NamespaceQuota>;
  /** A waiting task's place in line, added as it is read (Get, List, Watch). */
  positions: QueuePositions;
  /** The task records' size against their cap (Submit refuses new tasks near it). */
  tasksSpace: TasksSpace;
  /** Saves in the checkpoints object store, read checked against the recorded digest (DownloadCheckpoint). */
  checkpoints: { read(name: string, digest: string): AsyncIterable<Uint8Array> };
  /** Whether calls carry checked tokens (TRAINYARD_AUTH_FILE); WhoAmI says so. */
  authEnabled: boolean;
}
