export { startScheduler, type Scheduler } from "./scheduler.js";
export { loadSchedulerConfig, type SchedulerConfig } from "./config.js";
