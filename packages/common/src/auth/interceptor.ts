/**
 * The auth check every RPC passes through (installed by startGrpcServer's callers inside the
 * error boundary, so failures reach clients as UNAUTHENTICATED / PERMISSION_DENIED): health and
 * reflection pass untouched; otherwise the bearer token names the principal (auth/tokens.ts),
 * its role must allow the RPC (auth/rights.ts), and the principal goes into the call's context
 * values for the handlers (namespaces are theirs to check: another namespace's task is
 * NOT_FOUND). With no auth source, every caller is ANONYMOUS (auth off).
 */
import type { Interceptor } from "@connectrpc/connect";
import { PermissionDeniedError } from "../errors.js";
import { ANONYMOUS, PRINCIPAL } from "./principal.js";
import { mayCall, OPEN_SERVICES } from "./rights.js";
import { authenticate, type AuthConfig } from "./tokens.js";

export interface AuthSource {
  /** The tokens now (re-read on SIGHUP). */
  readonly current: AuthConfig;
}

export function authInterceptor(source: AuthSource | undefined, clock: () => number = Date.now): Interceptor {
  return (next) => async (req) => {
    if (OPEN_SERVICES.has(req.service.typeName)) return next(req);
    const p = source ? authenticate(source.current, req.header.get("authorization"), clock()) : ANONYMOUS;
    if (!mayCall(p.role, req.service.typeName, req.method.name)) {
      throw new PermissionDeniedError(`role ${p.role} may not call ${req.service.typeName}/${req.method.name}`);
    }
    req.contextValues.set(PRINCIPAL, p);
    return next(req);
  };
}
