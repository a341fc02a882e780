/** The CLI's TLS files, from the environment (read at start; a bad path is a usage error). */
import { readFileSync } from "node:fs";
import { UsageError } from "./parse.js";

/**
 * TLS files for an https:// scheduler: TRAINYARD_TLS_CA (the CA that signed its certificate;
 * default: the system's), TRAINYARD_TLS_CLIENT_CERT and TRAINYARD_TLS_CLIENT_KEY (mTLS).
 * Undefined when none is set.
 */
export function tlsFromEnv(env: Record<string, string | undefined>): { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  const read = (name: string) => {
    const path = env[name]?.trim();
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new UsageError(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  };
  const ca = read("TRAINYARD_TLS_CA");
  const cert = read("TRAINYARD_TLS_CLIENT_CERT");
  const key = read("TRAINYARD_TLS_CLIENT_KEY");
  if (!!cert !== !!key) throw new UsageError("TRAINYARD_TLS_CLIENT_CERT and TRAINYARD_TLS_CLIENT_KEY go together");
  return ca || cert ? { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) } : undefined;
}
