import PinoPretty from "pino-pretty";
import { pino, type Logger } from "pino";
import { InvalidArgumentError } from "./errors.js";

export type { Logger };

/** How the process logs: one JSON object a line (for collectors), or pino-pretty for people. */
export type LogFormat = "json" | "pretty";

/**
 * TRAINYARD_LOG_FORMAT ("json" or "pretty") when set; otherwise pretty when stdout is a
 * terminal and JSON when it is not (a file, a pipe, a container's log). Pure: the caller
 * passes the environment and whether stdout is a TTY.
 */
export function logFormat(env: Record<string, string | undefined>, stdoutIsTTY: boolean): LogFormat {
  const raw = env.TRAINYARD_LOG_FORMAT?.trim().toLowerCase();
  if (!raw) return stdoutIsTTY ? "pretty" : "json";
  if (raw === "json" || raw === "pretty") return raw;
  throw new InvalidArgumentError("TRAINYARD_LOG_FORMAT", `${JSON.stringify(env.TRAINYARD_LOG_FORMAT)} must be "json" or "pretty"`);
}

/**
 * The process logger on stdout. Children carry the fields that matter here: `task`, `attempt`,
 * `node`, `rpc`. Level from TRAINYARD_LOG_LEVEL (default "info"); format from logFormat().
 * Pretty output puts node, task and attempt before the message (`[node] task/attempt message`)
 * and the other fields after it, one line per entry; it is written synchronously, like JSON,
 * so nothing is lost when the process exits.
 */
export function createLogger(
  name: string,
  level = process.env.TRAINYARD_LOG_LEVEL ?? "info",
  format: LogFormat = logFormat(process.env, process.stdout.isTTY === true),
): Logger {
  const options = { name, level, base: { pid: process.pid } };
  if (format === "json") return pino(options);
  return pino(options, prettyStream(process.stdout.isTTY === true));
}

/** pino-pretty as an in-process stream (no worker thread), writing to stdout. */
export function prettyStream(colorize: boolean, destination: number | NodeJS.WritableStream = 1): PinoPretty.PrettyStream {
  return PinoPretty({
    colorize,
    sync: true,
    destination,
    singleLine: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,node,task,attempt",
    messageFormat: prettyMessage,
  });
}

/** "[node] task/attempt message", each part only when the entry has it. */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const parts: string[] = [];
  if (log.node !== undefined) parts.push(`[${String(log.node)}]`);
  if (log.task !== undefined) parts.push(log.attempt !== undefined ? `${String(log.task)}/${String(log.attempt)}` : String(log.task));
  parts.push(String(log[messageKey] ?? ""));
  return parts.join(" ");
}

/** A logger that drops everything, for tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
