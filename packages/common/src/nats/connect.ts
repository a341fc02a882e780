/**
 * Connects to NATS and keeps reconnecting forever; connection changes are logged.
 * `servers` is TRAINYARD_NATS_URL split on commas. The first connect waits (retrying) until a
 * server answers or `signal` aborts.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { retry } from "../retry.js";

export async function connectNats(
  servers: string[],
  name: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<NatsConnection> {
  const nc = await retry(
    () => connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: false, pingInterval: 10_000 }),
    {
      backoff: { initialMs: 250, maxMs: 5_000 },
      signal,
      onRetry: (err, retryInMs) => logger.warn({ err: String(err), servers, retryInMs }, "NATS not reachable yet"),
    },
  );
  logger.info({ server: nc.getServer() }, "connected to NATS");
  void watchStatus(nc, logger);
  return nc;
}

async function watchStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === "disconnect" || s.type === "reconnect" || s.type === "error") {
      logger.warn({ status: s.type, server: "server" in s ? s.server : undefined }, "NATS connection status");
    }
  }
}
