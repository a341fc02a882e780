/**
 * CORS for browsers calling the HTTP/1.1 side of the port (Connect or gRPC-Web from another
 * origin). Any origin may call: the API has no cookies or ambient credentials to protect, and a
 * deployment that needs a tighter policy puts a proxy in front. The header lists are connect-es's
 * own (`cors` from @connectrpc/connect), so every protocol header is allowed and exposed.
 */
import type * as http from "node:http";
import { cors } from "@connectrpc/connect";

const ALLOW_HEADERS = [...cors.allowedHeaders, "Authorization"].join(", ");
const EXPOSE_HEADERS = cors.exposedHeaders.join(", ");
const ALLOW_METHODS = cors.allowedMethods.join(", ");
const MAX_AGE_S = "7200";

/** Wraps a request handler: answers preflights itself, adds CORS headers to cross-origin calls. */
export function withCors(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const origin = req.headers.origin;
    if (origin === undefined) return handler(req, res);
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
