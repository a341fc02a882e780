import { createLogger, onSignals } from "@trainyard/common";
import { loadSchedulerConfig } from "./config.js";
import { startScheduler } from "./scheduler.js";

/** `npm run scheduler`: the only place that reads the environment and handles signals. */
const logger = createLogger("scheduler");
try {
  const scheduler = await startScheduler(loadSchedulerConfig(), logger);
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down");
    scheduler.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  onSignals(shutdown);
} catch (err) {
  logger.fatal({ err }, "scheduler failed to start");
  process.exit(1);
}
