import { createLogger, onSignals } from "@trainyard/common";
import { startAgent } from "./agent.js";
import { loadAgentConfig } from "./config.js";

/** `npm run agent`: the only place that reads the environment and handles signals. */
const logger = createLogger("agent");
try {
  const agent = await startAgent(loadAgentConfig(), logger);
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down: no new work; running tasks are stopped and reported");
    agent.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  onSignals(shutdown);
} catch (err) {
  logger.fatal({ err }, "agent failed to start");
  process.exit(1);
}
