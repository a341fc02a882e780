/**
 * Graceful shutdown for the HTTP/1.1 port (Connect and gRPC-Web from browsers and curl).
 *
 * trackHttp1Connections() must be called before the first connection and before the request
 * handler is added (its "request" listener runs first). drain() is called once by
 * GrpcServer.close(), after the handlers' shutdown signal has been aborted (so streams end):
 *   1. responses not started yet, and every request from then on, get `Connection: close`;
 *   2. idle keep-alive connections are closed now, busy ones as soon as their response ends;
 *   3. after graceMs whatever is still open is destroyed.
 * The returned promise resolves when every connection handed to this server is closed.
 */
import type * as http from "node:http";
import type * as https from "node:https";
import type { Socket } from "node:net";
import type { Logger } from "../logger.js";
import { connectionEvent, whenEmpty, type ConnectionDrain } from "./http2-drain.js";

export function trackHttp1Connections(server: http.Server | https.Server, log: Logger): ConnectionDrain {
  /** Every connection with its number of requests whose response has not closed yet. */
  const sockets = new Map<Socket, number>();
  const responses = new Set<http.ServerResponse>();
  let draining = false;
  const closeIfIdle = (socket: Socket) => {
    if (draining && sockets.get(socket) === 0) socket.destroySoon();
  };
  server.on(connectionEvent(server), (socket: Socket) => {
    sockets.set(socket, 0);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    sockets.set(socket, (sockets.get(socket) ?? 0) + 1);
    responses.add(res);
    res.once("close", () => {
      responses.delete(res);
      if (sockets.has(socket)) sockets.set(socket, (sockets.get(socket) ?? 1) - 1);
      setImmediate(() => closeIfIdle(socket));
    });
    if (draining) res.setHeader("Connection", "close");
  });
  server.on("clientError", (err: Error, socket: Socket) => {
    log.debug({ err }, "http/1.1 client error");
    socket.destroy();
  });

  return {
    drain: (graceMs) =>
      new Promise<void>((resolve) => {
        draining = true;
        for (const res of responses) if (!res.headersSent) res.setHeader("Connection", "close");
        const forced = setTimeout(() => {
          if (sockets.size > 0) log.warn({ connections: sockets.size }, "grace period over, destroying HTTP/1.1 connections");
          for (const s of sockets.keys()) s.destroy();
        }, graceMs);
        const open = new Set(sockets.keys());
        for (const s of open) s.once("close", () => open.delete(s));
        whenEmpty(open, () => {
          clearTimeout(forced);
          resolve();
        });
        for (const s of sockets.keys()) closeIfIdle(s);
      }),
  };
}
