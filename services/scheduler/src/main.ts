/** `npm run scheduler`: the only place that reads the environment. */
import { runMain } from "@trainyard/common";
import { loadSchedulerConfig } from "./config.js";
import { startScheduler } from "./scheduler.js";

await runMain("scheduler", (logger) => startScheduler(loadSchedulerConfig(), logger));
