import { createLogger, type Logger } from "./logger.js";
import { onSignals } from "./signals.js";

/**
 * The body of a service's main.ts: create the logger, start the service, close it gracefully
 * on the first SIGTERM/SIGINT (see onSignals), exit 0 when closed, 1 when start or close fails.
 */
export async function runMain(
  name: string,
  start: (logger: Logger) => Promise<{ close(): Promise<void> }>,
  shutdownNote = "shutting down",
): Promise<void> {
  let logger: Logger;
  try {
    logger = createLogger(name);
  } catch (err) {
    // A bad TRAINYARD_LOG_LEVEL / TRAINYARD_LOG_FORMAT: there is no logger to say it with.
    console.error(`${name} failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  // A promise nobody awaited failed: log it loudly, keep serving (it is a bug to fix, not a
  // reason to drop every client and running task).
  process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled rejection"));
  try {
    const service = await start(logger);
    onSignals((signal) => {
      logger.info({ signal }, shutdownNote);
      service.close().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  } catch (err) {
    logger.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
}
