/**
 * Graceful shutdown for a node:http2 server, which has none built in: `server.close()` only stops
 * accepting, and gRPC clients (grpc-js, connect-node) keep their connections open indefinitely.
 *
 * trackHttp2Connections() must be called before the first connection; drain() is called once by
 * GrpcServer.close(), after the handlers' shutdown signal has been aborted. drain():
 *   1. sends GOAWAY to every session (session.close);
 *   2. resets with NO_ERROR (RFC 9113 §8.1) every stream whose response is complete but whose
 *      client never half-closed (bidi streams such as reflection), so sessions can finish;
 *   3. destroys each socket once its session has ended and our last bytes are flushed — a
 *      gracefully closed Node session otherwise waits for the client to hang up;
 *   4. after graceMs destroys whatever is still open (handlers that ignore their signal).
 * The returned promise resolves when every connection handed to this server is closed.
 */
import * as http2 from "node:http2";
import type { Socket } from "node:net";
import * as tls from "node:tls";
import type { Logger } from "../logger.js";

export interface ConnectionDrain {
  drain(graceMs: number): Promise<void>;
}

export function trackHttp2Connections(server: http2.Http2Server | http2.Http2SecureServer, log: Logger): ConnectionDrain {
  const sessions = new Set<http2.ServerHttp2Session>();
  const streams = new Set<http2.ServerHttp2Stream>();
  const sockets = new Set<Socket>();
  let draining = false;
  const track = <T extends { once(event: "close", fn: () => void): unknown }>(set: Set<T>, item: T) => {
    set.add(item);
    item.once("close", () => set.delete(item));
  };
  server.on(connectionEvent(server), (socket: Socket) => track(sockets, socket));
  server.on("session", (session) => track(sessions, session));
  server.on("stream", (stream) => {
    track(streams, stream);
    if (draining) resetWhenAnswered(stream);
  });
  server.on("sessionError", (err) => log.debug({ err }, "http2 session error"));

  return {
    drain: (graceMs) =>
      new Promise<void>((resolve) => {
        draining = true;
        const forced = setTimeout(() => {
          if (sockets.size > 0) log.warn({ connections: sockets.size }, "grace period over, destroying HTTP/2 connections");
          for (const s of sessions) s.destroy();
          for (const s of sockets) s.destroy();
        }, graceMs);
        whenEmpty(sockets, () => {
          clearTimeout(forced);
          resolve();
        });
        for (const s of streams) resetWhenAnswered(s);
        for (const s of sessions) s.close();
        for (const s of sockets) {
          if (s.writableFinished) s.destroy();
          else s.once("finish", () => s.destroy()); // the session ended its socket: all sent
        }
      }),
  };
}

/**
 * Reset the stream with NO_ERROR once its trailers are out. Node's compat response always ends
 * with trailers (`waitForTrailers`); this "wantTrailers" listener runs after the one sending them.
 */
function resetWhenAnswered(stream: http2.ServerHttp2Stream): void {
  const reset = () => {
    if (!stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
  };
  if (stream.sentTrailers !== undefined) reset();
  else stream.once("wantTrailers", () => setImmediate(reset));
}

/** Calls `fn` once, when `set` (whose items remove themselves on "close") is empty. */
export function whenEmpty(set: Set<{ once(event: "close", fn: () => void): unknown }>, fn: () => void): void {
  let fired = false;
  const check = () => {
    if (!fired && set.size === 0) {
      fired = true;
      fn();
    }
  };
  if (set.size === 0) return void setImmediate(check);
  for (const item of set) item.once("close", () => setImmediate(check));
}

/**
 * The event that hands over a connection's socket: over TLS, the TLSSocket the requests see
 * ("secureConnection"; the raw socket of "connection" is wrapped and no longer closes by itself).
 * Connections still in their handshake are bounded by the server's handshakeTimeout.
 */
export function connectionEvent(server: object): "connection" | "secureConnection" {
  return server instanceof tls.Server ? "secureConnection" : "connection";
}
