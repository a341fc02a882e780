import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { Infra } from "@trainyard/common";
import type { SchedulerMetrics } from "./metrics.js";
import type { TaskStore } from "./store/task-store.js";
import type { TaskView } from "./store/task-view.js";

/** What RPC handlers may use. Built once by server.ts; time and ids are injected. */
export interface SchedulerDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  infra: Infra;
  store: TaskStore;
  view: TaskView;
  clock: () => number;
  newId: () => string;
  logger: Logger;
  metrics: SchedulerMetrics;
}
