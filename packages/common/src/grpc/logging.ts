/**
 * Access log: one line per RPC, written when the RPC ends (for streams: when the response stream
 * ends, not when it starts; see rpc-end.ts). Fields: rpc, code ("ok", "not_found", ...), ms,
 * principal (the token's name; "anonymous" without auth or before the token was checked), and
 * `error` (the message the client saw) for failures.
 *
 * Levels: debug for OK, for client-side cancels (CANCELED) and for streams ended by our own
 * shutdown (the error is `shutdownSignal.reason`); warn for every other error.
 * Install it outermost, outside errorInterceptor, so it logs the code the client actually got.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { PRINCIPAL } from "../auth/principal.js";
import type { Logger } from "../logger.js";
import { rpcEndInterceptor } from "./rpc-end.js";
import { rpcName } from "./rpc-name.js";

export interface LoggingOptions {
  /** The server's shutdown signal; RPCs ended by its reason are expected, not warnings. */
  shutdownSignal?: AbortSignal;
}

export function loggingInterceptor(logger: Logger, opts: LoggingOptions = {}): Interceptor {
  return rpcEndInterceptor((req, outcome, ms) => {
    const code = outcome === undefined ? 0 : ConnectError.from(outcome).code;
    const fields = { rpc: rpcName(req.method), code: codeName(code), ms: Math.round(ms), principal: req.contextValues.get(PRINCIPAL).name };
    const expected = code === 0 || code === Code.Canceled || (outcome !== undefined && outcome === opts.shutdownSignal?.reason);
    if (expected) logger.debug(fields, "rpc");
    else logger.warn({ ...fields, error: ConnectError.from(outcome).rawMessage }, "rpc failed");
  });
}

/** Code.NotFound → "not_found", 0 → "ok": the names gRPC and Connect use on the wire. */
export function codeName(code: Code | 0): string {
  if (code === 0) return "ok";
  return (Code[code] ?? String(code)).replace(/[A-Z]/g, (c, i: number) => (i > 0 ? "_" : "") + c.toLowerCase());
}
