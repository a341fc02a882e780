/**
 * CORS for browsers calling the HTTP/1.1 port (Connect or gRPC-Web from another origin). Off
 * unless origins are listed (TRAINYARD_CORS_ORIGINS): without an auth file, a page from any
 * origin that could call it could submit and cancel work through a browser on the operator's
 * network. `*` allows every origin. The header lists are connect-es's own (`cors` from
 * @connectrpc/connect), so every protocol header is allowed and exposed.
 */
import type * as http from "node:http";
import { cors } from "@connectrpc/connect";

const ALLOW_HEADERS = [...cors.allowedHeaders, "Authorization"].join(", ");
const EXPOSE_HEADERS = cors.exposedHeaders.join(", ");
const ALLOW_METHODS = cors.allowedMethods.join(", ");
const MAX_AGE_S = "7200";

/**
 * Wraps a request handler: answers preflights itself, adds CORS headers to calls from the
 * allowed origins; a preflight from any other origin gets 403 (the browser then does not call).
 */
export function withCors(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, origins: readonly string[]) {
  const allowed = (o: string) => origins.includes("*") || origins.includes(o);
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const origin = req.headers.origin;
    if (origin === undefined) return handler(req, res);
    if (!allowed(origin)) {
      if (req.method !== "OPTIONS") return handler(req, res); // no CORS headers: the browser hides the answer
      res.writeHead(403).end();
      return;
    }
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Vary", "Origin");
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
      res.writeHead(204, {
        "Access-Control-Allow-Methods": ALLOW_METHODS,
        "Access-Control-Allow-Headers": ALLOW_HEADERS,
        "Access-Control-Max-Age": MAX_AGE_S,
      });
      res.end();
      return;
    }
    res.setHeader("Access-Control-Expose-Headers", EXPOSE_HEADERS);
    handler(req, res);
  };
}
