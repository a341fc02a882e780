/**
 * The one error boundary between Trainyard code and the wire. Handlers throw domain errors
 * (errors.ts), AbortSignal reasons, or let NATS errors escape; `errorInterceptor` turns whatever
 * escapes a handler (unary result, or a streaming handler's `res.message` mid-stream) into a
 * ConnectError with a deliberate code. Mapping:
 *
 *   ConnectError                         → unchanged (already a decision)
 *   TrainyardError                       → code by `kind`, message kept; InvalidArgumentError also
 *                                          carries a google.rpc.BadRequest detail
 *   AbortError / the request's signal    → the signal's ConnectError reason if any, else CANCELED
 *   DOMException TimeoutError            → DEADLINE_EXCEEDED
 *   NATS connection trouble              → UNAVAILABLE "NATS unavailable"
 *   a capped stream or bucket full       → RESOURCE_EXHAUSTED (retention makes room: retry later)
 *   anything else                        → INTERNAL "internal error"; the original (with stack) is
 *                                          logged here and never sent to the client
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../logger.js";
import { InvalidArgumentError, TrainyardError, type ErrorKind } from "../errors.js";
import { badRequestDetail } from "./bad-request.js";
import { isNatsUnavailable, isStoreFull } from "../nats/unavailable.js";
import { rpcName } from "./rpc-name.js";

const codeByKind: Record<ErrorKind, Code> = {
  not_found: Code.NotFound,
  invalid_argument: Code.InvalidArgument,
  failed_precondition: Code.FailedPrecondition,
  already_exists: Code.AlreadyExists,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  aborted: Code.Aborted,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
};

/**
 * Map any thrown value to the ConnectError the client should see. Pure (no logging).
 * `signal` is the RPC's signal: when the error is the abort surfacing, its reason wins.
 * Unknown errors come back as INTERNAL "internal error" with the original as `cause`.
 */
export function toConnectError(err: unknown, signal?: AbortSignal): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof TrainyardError) {
    const details = err instanceof InvalidArgumentError ? [badRequestDetail(err.field, err.message)] : undefined;
    return new ConnectError(err.message, codeByKind[err.kind], undefined, details, err);
  }
  if (signal?.aborted && (err === signal.reason || isAbortError(err))) {
    return signal.reason instanceof ConnectError ? signal.reason : new ConnectError("operation canceled", Code.Canceled, undefined, undefined, err);
  }
  if (isNatsUnavailable(err)) return new ConnectError("NATS unavailable", Code.Unavailable, undefined, undefined, err);
  if (isStoreFull(err)) {
    const msg = "NATS storage is full (a capped stream or bucket refused the write): retry later";
    return new ConnectError(msg, Code.ResourceExhausted, undefined, undefined, err);
  }
  if (isAbortError(err)) return new ConnectError("operation canceled", Code.Canceled, undefined, undefined, err);
  if (err instanceof Error && err.name === "TimeoutError") {
    return new ConnectError("operation timed out", Code.DeadlineExceeded, undefined, undefined, err);
  }
  return new ConnectError("internal error", Code.Internal, undefined, undefined, err);
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}

/**
 * Interceptor applying toConnectError to unary results and to every streaming response (errors
 * thrown before or between messages). Logs INTERNAL mappings at error level with the stack.
 * Install it inside the logging interceptor so the log line shows the mapped code.
 */
export function errorInterceptor(logger: Logger): Interceptor {
  const boundary = (err: unknown, rpc: string, signal: AbortSignal): ConnectError => {
    const mapped = toConnectError(err, signal);
    if (mapped !== err && mapped.code === Code.Internal) logger.error({ err, rpc }, "unhandled error in RPC handler");
    return mapped;
  };
  return (next) => async (req) => {
    const rpc = rpcName(req.method);
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: mapStreamErrors(res.message, (e) => boundary(e, rpc, req.signal)) };
    } catch (err) {
      throw boundary(err, rpc, req.signal);
    }
  };
}

async function* mapStreamErrors<T>(source: AsyncIterable<T>, map: (err: unknown) => ConnectError): AsyncGenerator<T, void, undefined> {
  try {
    yield* source; // delegates return()/throw() to the handler's generator, so its finally blocks run
  } catch (err) {
    throw map(err);
  }
}
