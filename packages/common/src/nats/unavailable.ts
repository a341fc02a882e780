/**
 * Which errors from the NATS client mean "the bus is not reachable right now" (the connection is
 * closed, draining, disconnected, a request timed out or found no responders). The gRPC boundary
 * answers those with UNAVAILABLE so callers retry (everything else from NATS stays an internal error),
 * and services retry their start-up steps on them (nats/connect.ts whileNatsStarts).
 *
 * Classes are matched with instanceof against @nats-io/transport-node's re-export of nats-core;
 * the cause chain is walked because nats-core and JetStream wrap the real reason
 * (RequestError{cause: TimeoutError | NoRespondersError}, JetStreamNotEnabled{cause: RequestError}).
 * Pure; safe to call with anything.
 */
import { JetStreamApiError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";

const unavailable: ReadonlyArray<abstract new (...args: never[]) => Error> = [
  errors.ClosedConnectionError,
  errors.DrainingConnectionError,
  errors.ConnectionError,
  errors.TimeoutError,
  errors.NoRespondersError,
  errors.RequestError, // raised by nats-core itself for "connection closed/disconnected", "cancelled"
];

export function isNatsUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (unavailable.some((cls) => e instanceof cls)) return true;
  }
  return false;
}

/** JetStream's "store failed" error code: a capped stream (or bucket, discard new) is full. */
const STORE_FAILED = 10077;

/** Whether NATS refused a write because a capped stream or bucket is full. */
export function isStoreFull(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === STORE_FAILED && /maximum (bytes|messages) exceeded/.test(err.message);
}
