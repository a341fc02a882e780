/**
 * rpcEndInterceptor: calls `onEnd` exactly once per RPC, when it ends: for unary RPCs when the
 * handler returns or throws, for streaming RPCs when the response stream ends, fails, or is
 * closed early by its consumer (the client went away, or the server shut down). `outcome` is
 * undefined for success, otherwise the error; for a stream closed early it is the request
 * signal's ConnectError reason when there is one (else undefined: nothing went wrong on our
 * side). Shared by the access log and the RPC latency metrics.
 */
import { ConnectError, type Interceptor, type StreamRequest, type UnaryRequest } from "@connectrpc/connect";

export type RpcEnd = (req: UnaryRequest | StreamRequest, outcome: unknown, ms: number) => void;

export function rpcEndInterceptor(onEnd: RpcEnd): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const done = (err: unknown, closedEarly = false) => {
      const outcome = closedEarly && req.signal.reason instanceof ConnectError ? req.signal.reason : err;
      onEnd(req, outcome, performance.now() - started);
    };
    let res;
    try {
      res = await next(req);
    } catch (err) {
      done(err);
      throw err;
    }
    if (!res.stream) {
      done(undefined);
      return res;
    }
    return { ...res, message: observeEnd(res.message, done) };
  };
}

async function* observeEnd<T>(
  source: AsyncIterable<T>,
  done: (err: unknown, closedEarly: boolean) => void,
): AsyncGenerator<T, void, undefined> {
  let err: unknown;
  let settled = false;
  try {
    yield* source;
    settled = true;
  } catch (e) {
    err = e;
    settled = true;
    throw e;
  } finally {
    done(err, !settled);
  }
}
