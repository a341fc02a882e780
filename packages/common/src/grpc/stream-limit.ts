/**
 * At most `max` server-streaming calls (StreamLogs, Watch) open at once per principal (the
 * token's name; every caller is "anonymous" without auth): one more is RESOURCE_EXHAUSTED until
 * one ends. Each open stream holds a NATS consumer or a watch and read-ahead buffers, so this
 * bounds what one caller can make a server hold. Install it inside the auth interceptor.
 */
import type { Interceptor } from "@connectrpc/connect";
import { PRINCIPAL } from "../auth/principal.js";
import { TrainyardError } from "../errors.js";
import { rpcEndInterceptor } from "./rpc-end.js";

export function streamLimitInterceptor(max: number): Interceptor {
  const open = new Map<string, number>();
  const release = (name: string) => {
    const n = (open.get(name) ?? 1) - 1;
    if (n > 0) open.set(name, n);
    else open.delete(name);
  };
  const counted = rpcEndInterceptor((req) => release(req.contextValues.get(PRINCIPAL).name));
  return (next) => {
    const inner = counted(next);
    return async (req) => {
      if (req.method.methodKind !== "server_streaming") return next(req);
      const name = req.contextValues.get(PRINCIPAL).name;
      const n = open.get(name) ?? 0;
      if (n >= max) throw new TrainyardError("resource_exhausted", `${n} streams of ${name} are open, the most there may be (TRAINYARD_MAX_STREAMS_PER_PRINCIPAL); end one first`);
      open.set(name, n + 1);
      return inner(req);
    };
  };
}
