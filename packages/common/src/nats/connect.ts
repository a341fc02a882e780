/**
 * Connects to NATS and keeps reconnecting forever; connection changes are logged.
 * `target` is TRAINYARD_NATS_* (nats/target.ts); `inbox` is the prefix of this client's reply
 * subjects (names.ts: its NATS user may subscribe to nothing else). The first connect waits (retrying)
 * until a server answers or `signal` aborts; refused credentials or TLS are retried too (the
 * server may be about to load them) and logged. whileNatsStarts retries a start-up step the same way.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { natsConnectOptions, type NatsTarget } from "./target.js";
import { isNatsUnavailable } from "./unavailable.js";
import { retry } from "../retry.js";

const BACKOFF = { initialMs: 250, maxMs: 5_000 };

export async function connectNats(
  target: NatsTarget,
  inbox: string,
  name: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<NatsConnection> {
  const { servers } = target;
  // noAsyncTraces: nats.js would otherwise build an Error (a stack trace) for every request it
  // sends, JetStream publishes and KV writes included, to decorate the rare failure.
  const options = { ...natsConnectOptions(target, inbox), name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: false, pingInterval: 10_000, noAsyncTraces: true };
  const nc = await retry(() => connect(options), {
    backoff: BACKOFF,
    signal,
    onRetry: (err, retryInMs) => logger.warn({ err: String(err), servers, retryInMs }, "NATS not reachable yet"),
  });
  logger.info({ server: nc.getServer() }, "connected to NATS");
  void watchStatus(nc, logger);
  return nc;
}

/**
 * A start-up step on NATS (creating streams, starting a watch), retried while NATS does not
 * answer (a server restarting as the service starts), or while `waitFor` names what an error
 * waits for, so the service waits instead of exiting. The step must be safe to run again after
 * a failure. Other errors are thrown at once.
 */
export function whileNatsStarts<T>(
  what: string,
  step: () => Promise<T>,
  logger: Logger,
  signal?: AbortSignal,
  waitFor: (err: unknown) => string | undefined = () => undefined,
): Promise<T> {
  const waitingFor = (err: unknown) => (isNatsUnavailable(err) ? "NATS not answering yet" : waitFor(err));
  return retry(step, {
    backoff: BACKOFF,
    signal,
    retryIf: (err) => waitingFor(err) !== undefined,
    onRetry: (err, retryInMs) => logger.warn({ err: String(err), retryInMs }, `${what}: ${waitingFor(err)}`),
  });
}

async function watchStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === "disconnect" || s.type === "reconnect") logger.warn({ status: s.type, server: s.server }, "NATS connection status");
    // E.g. a publish or subscription its NATS user may not make: a bug, or permissions out of date.
    if (s.type === "error") logger.error({ status: s.type, err: String(s.error) }, "NATS server error");
  }
}
