import { pino, type Logger } from "pino";

export type { Logger };

/**
 * The process logger: pino JSON on stdout. Children carry the fields that matter here:
 * `task`, `attempt`, `node`, `rpc`. Level from TRAINYARD_LOG_LEVEL (default "info").
 */
export function createLogger(name: string, level = process.env.TRAINYARD_LOG_LEVEL ?? "info"): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}

/** A logger that drops everything, for tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
