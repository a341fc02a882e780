// Test harness: a TCP proxy on loopback that a test can cut, to partition one process from
// a server (an agent from NATS) while everything else stays connected, or that reaches the
// server only `delayMs` after each connection (a slow or loaded network).
import net from "node:net";

export interface TcpProxy {
  /** "nats://127.0.0.1:<port>"-style address: `${scheme}://127.0.0.1:${port}`. */
  url(scheme: string): string;
  /** Drops every connection and refuses new ones (accepted, then closed at once). */
  cut(): void;
  /** Forwards again. */
  restore(): void;
  close(): Promise<void>;
}

export async function startProxy(target: { host: string; port: number }, o: { delayMs?: number } = {}): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let cut = false;
  const track = (s: net.Socket) => {
    open.add(s);
    s.on("close", () => open.delete(s));
    s.on("error", () => {});
  };
  const forward = (client: net.Socket) => {
    if (client.destroyed) return;
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  };
  const server = net.createServer((client) => {
    if (cut) return void client.destroy();
    track(client);
    if (o.delayMs) setTimeout(() => forward(client), o.delayMs);
    else forward(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    cut() {
      cut = true;
      for (const s of open) s.destroy();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
