/** Listen addresses shared by the gRPC and metrics servers. */

/** "host:port" ("[::1]:port" for IPv6, ":port" for every interface); port 0 picks a free port. */
export function parseListenAddress(address: string, what: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid ${what} listen address ${JSON.stringify(address)}, want host:port`);
  }
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port };
}

/** The host to put in a client URL for a listen host: wildcards become 127.0.0.1. */
export function urlHost(host: string): string {
  if (host === "" || host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
