/**
 * Where a server may be reached from, for the secure default and the HTTP/1.1 port's Host check.
 * Pure.
 *   - A listen address is loopback when its host is 127.0.0.0/8, ::1 or localhost; ":port",
 *     0.0.0.0 and :: listen on every interface.
 *   - A service without an auth file refuses to listen beyond loopback unless told it is fine
 *     (TRAINYARD_INSECURE=true): anyone who reached it could run containers on every agent.
 *   - The HTTP/1.1 port answers only requests whose Host names it: loopback names, its listen
 *     host, and TRAINYARD_ALLOWED_HOSTS. A web page that rebinds its own DNS name to 127.0.0.1
 *     (DNS rebinding) sends its own name as Host and is refused.
 */
import { parseListenAddress } from "./address.js";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"];

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The first of `addresses` ("host:port"; "" for none) that is not loopback, or undefined. */
export function exposedAddress(addresses: readonly string[]): string | undefined {
  return addresses.find((a) => a !== "" && !isLoopbackHost(parseListenAddress(a, "listen").host));
}

/** Refuses (throws) to serve `addresses` beyond loopback without auth, unless `insecure`. */
export function requireAuthBeyondLoopback(addresses: readonly string[], o: { auth: boolean; insecure: boolean }): void {
  const exposed = o.auth || o.insecure ? undefined : exposedAddress(addresses);
  if (exposed === undefined) return;
  throw new Error(
    `refusing to listen on ${exposed} without TRAINYARD_AUTH_FILE: anyone who can reach it could run containers on every agent. ` +
      "Give an auth file, listen on a loopback address, or set TRAINYARD_INSECURE=true if the network is trusted",
  );
}

/** Host names the HTTP/1.1 port answers to (lower case, no port). */
export function allowedHosts(listenAddress: string, extra: readonly string[]): Set<string> {
  const { host } = parseListenAddress(listenAddress, "HTTP/1.1");
  const own = host === "" || host === "0.0.0.0" || host === "::" ? [] : [host];
  return new Set([...LOOPBACK_NAMES, ...own, ...extra].map((h) => h.toLowerCase()));
}

/** The host name of a Host header ("Example.com:50053" → "example.com", "[::1]:80" → "::1"); "" when missing. */
export function hostName(header: string | undefined): string {
  if (!header) return "";
  const m = /^\[([^\]]*)\](?::\d+)?$/.exec(header) ?? /^([^:]*)(?::\d+)?$/.exec(header);
  return (m?.[1] ?? "").toLowerCase();
}
