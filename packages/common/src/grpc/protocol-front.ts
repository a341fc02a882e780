/**
 * One TCP port for HTTP/2 (h2c, prior knowledge: gRPC clients) and HTTP/1.1 (browsers, curl,
 * Connect and gRPC-Web over HTTP/1.1). Node's cleartext http2 server has no `allowHTTP1`, so a
 * net.Server in front reads the first bytes of each connection: the HTTP/2 client preface
 * `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` hands the socket to the http2 server, anything else to the
 * http server (both serve the same connect-node handler). The bytes read are put back
 * (`unshift`) before the socket is handed over.
 *
 * A connection is in one of three states:
 *
 *   sniffing ──preface──▶ http2        sniffing ──other bytes──▶ http1
 *      │ closed, or shutdown: destroyed
 *
 * Called once per server by startGrpcServer. close() of the front only stops accepting; the
 * caller drains the two protocol servers and awaits `closed`, which resolves when the listening
 * socket and every connection it accepted are gone. `destroySniffing()` ends connections that
 * have not said anything yet (they hold no call).
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";
import * as net from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
/** A connection that sends nothing within this time is closed (it holds no call). */
const SNIFF_TIMEOUT_MS = 10_000;

export type ConnectionKind = "http2" | "http1" | "undecided";

/**
 * Which server a connection's first bytes belong to. Pure. "undecided" while the bytes are a
 * strict prefix of the HTTP/2 preface (wait for more).
 */
export function classifyConnection(head: Uint8Array): ConnectionKind {
  const n = Math.min(head.length, PREFACE.length);
  for (let i = 0; i < n; i++) if (head[i] !== PREFACE[i]) return "http1";
  return head.length >= PREFACE.length ? "http2" : "undecided";
}

export interface ProtocolFront {
  readonly server: net.Server;
  /** Resolves when the listening socket and every accepted connection are closed (after close()). */
  close(): Promise<void>;
  destroySniffing(): void;
}

export function protocolFront(h2: http2.Http2Server, h1: http.Server): ProtocolFront {
  const sniffing = new Set<net.Socket>();
  const server = net.createServer({ pauseOnConnect: false }, (socket) => {
    sniffing.add(socket);
    let head: Buffer = Buffer.alloc(0);
    const done = () => {
      sniffing.delete(socket);
      socket.off("data", onData);
      socket.off("close", onClose);
      socket.setTimeout(0);
    };
    const onClose = () => done();
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const kind = classifyConnection(head);
      if (kind === "undecided") return;
      done();
      socket.pause();
      socket.unshift(head);
      if (kind === "http2") {
        h2.emit("connection", socket); // the session reads the buffered bytes itself (next tick)
      } else {
        h1.emit("connection", socket);
        socket.resume(); // the http parser gets the buffered bytes through "data"
      }
    };
    socket.on("data", onData);
    socket.on("close", onClose);
    socket.on("error", () => {}); // a reset before routing: nothing to report
    socket.setTimeout(SNIFF_TIMEOUT_MS, () => socket.destroy());
  });
  return {
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    destroySniffing() {
      for (const s of sniffing) s.destroy();
    },
  };
}
