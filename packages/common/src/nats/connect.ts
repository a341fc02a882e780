import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

/**
 * Connects to NATS and keeps reconnecting forever; connection changes are logged.
 * `servers` is TRAINYARD_NATS_URL split on commas. The first connect waits (retrying) until a
 * server answers or `signal` aborts.
 */
export async function connectNats(
  servers: string[],
  name: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<NatsConnection> {
  let delay = 250;
  for (;;) {
    try {
      const nc = await connect({
        servers,
        name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        waitOnFirstConnect: false,
        pingInterval: 10_000,
      });
      logger.info({ server: nc.getServer() }, "connected to NATS");
      void watchStatus(nc, logger);
      return nc;
    } catch (err) {
      signal?.throwIfAborted();
      logger.warn({ err: String(err), servers, retryInMs: delay }, "NATS not reachable yet");
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}

async function watchStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === "disconnect" || s.type === "reconnect" || s.type === "error") {
      logger.warn({ status: s.type, server: "server" in s ? s.server : undefined }, "NATS connection status");
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
