import { runMain } from "@trainyard/common";
import { loadSchedulerConfig } from "./config.js";
import { startScheduler } from "./scheduler.js";

/** `npm run scheduler`: the only place that reads the environment. */
await runMain("scheduler", (logger) => startScheduler(loadSchedulerConfig(), logger));
