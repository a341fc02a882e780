/** A client interceptor that sends `authorization: Bearer <token>` with every call (Node and browsers). */
import type { Interceptor } from "@connectrpc/connect";

export function bearerToken(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}
