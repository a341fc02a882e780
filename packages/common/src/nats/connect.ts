/**
 * Connects to NATS and keeps reconnecting forever; connection changes are logged.
 * `servers` is TRAINYARD_NATS_URL split on commas. The first connect waits (retrying) until a
 * server answers or `signal` aborts. whileNatsStarts retries a start-up step the same way.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { isNatsUnavailable } from "./unavailable.js";
import { retry } from "../retry.js";

const BACKOFF = { initialMs: 250, maxMs: 5_000 };

export async function connectNats(
  servers: string[],
  name: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<NatsConnection> {
  const nc = await retry(
    () => connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: false, pingInterval: 10_000 }),
    {
      backoff: BACKOFF,
      signal,
      onRetry: (err, retryInMs) => logger.warn({ err: String(err), servers, retryInMs }, "NATS not reachable yet"),
    },
  );
  logger.info({ server: nc.getServer() }, "connected to NATS");
  void watchStatus(nc, logger);
  return nc;
}

/**
 * A start-up step on NATS (creating streams, starting a watch), retried while NATS does not
 * answer (a server restarting as the service starts), so the service waits instead of exiting.
 * The step must be safe to run again after a failure. Other errors are thrown at once.
 */
export function whileNatsStarts<T>(what: string, step: () => Promise<T>, logger: Logger, signal?: AbortSignal): Promise<T> {
  return retry(step, {
    backoff: BACKOFF,
    signal,
    retryIf: isNatsUnavailable,
    onRetry: (err, retryInMs) => logger.warn({ err: String(err), retryInMs }, `${what}: NATS not answering yet`),
  });
}

async function watchStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === "disconnect" || s.type === "reconnect" || s.type === "error") {
      logger.warn({ status: s.type, server: "server" in s ? s.server : undefined }, "NATS connection status");
    }
  }
}
