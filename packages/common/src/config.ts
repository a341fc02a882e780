/**
 * Reading TRAINYARD_* variables. Only services' config.ts call these, once at start-up;
 * a bad value stops the process with a message naming the variable.
 */
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { parseBytes } from "@trainyard/client/units";
import { InvalidArgumentError } from "./errors.js";
import { parseDuration } from "./duration.js";

export type Env = Record<string, string | undefined>;

export function envString(env: Env, name: string, def: string): string {
  const v = env[name]?.trim();
  return v ? v : def;
}

export function envList(env: Env, name: string, def: string): string[] {
  return envString(env, name, def)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function envInt(env: Env, name: string, def: number, min = -Infinity, max = Infinity): number {
  const raw = env[name]?.trim();
  if (!raw) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(name, `${JSON.stringify(raw)} must be an integer between ${min} and ${max}`);
  }
  return n;
}

/** "true"/"1"/"yes" or "false"/"0"/"no" (any case); `def` when unset or empty. */
export function envBool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return def;
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new InvalidArgumentError(name, `${JSON.stringify(env[name])} must be true or false`);
}

/** A number, 0 or more; `def` when unset. */
export function envNumber(env: Env, name: string, def: number): number {
  const raw = envString(env, name, String(def));
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(name, `${JSON.stringify(raw)} must be a number, 0 or more (0: no limit)`);
  return n;
}

/** A size ("512m", "4g", or bytes; "0": none); `def` when unset. */
export function envBytes(env: Env, name: string, def: string): number {
  const raw = envString(env, name, def);
  const n = raw === "0" ? 0 : parseBytes(raw);
  if (n === undefined) throw new InvalidArgumentError(name, `${JSON.stringify(raw)} is not a size (512m, 4g; 0: no limit)`);
  return n;
}

/** The variable's text through `parse`; a parse error names the variable. */
export function envParsed<T>(env: Env, name: string, parse: (text: string) => T): T {
  try {
    return parse(envString(env, name, ""));
  } catch (err) {
    throw new InvalidArgumentError(name, (err as Error).message);
  }
}

export function envDuration(env: Env, name: string, def: string): number {
  return parseDuration(envString(env, name, def), name);
}

/**
 * An optional listen address: `def` when the variable is unset, "" (off) when it is set to the
 * empty string, otherwise a host:port (checked here, so a bad value stops the start-up).
 */
export function envListenAddress(env: Env, name: string, def: string): string {
  const raw = env[name];
  if (raw === undefined) return def;
  const v = raw.trim();
  if (v) parseAddress(v, name);
  return v;
}

/** "host:port" → parts; "[::1]:50051" works too. */
export function parseAddress(addr: string, name: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr.trim());
  if (!m) throw new InvalidArgumentError(name, `${JSON.stringify(addr)} is not host:port`);
  return { host: m[1] || "0.0.0.0", port: Number(m[2]) };
}

/** PEM files a server serves TLS with (TRAINYARD_TLS_CERT, _KEY; _CLIENT_CA: mTLS). */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

/**
 * TRAINYARD_TLS_CERT and TRAINYARD_TLS_KEY (both or neither), TRAINYARD_TLS_CLIENT_CA (only with
 * them), read and checked (PEM, key matching the certificate) now; undefined without them.
 */
export function envTls(env: Env): TlsFiles | undefined {
  const cert = envString(env, "TRAINYARD_TLS_CERT", "");
  const key = envString(env, "TRAINYARD_TLS_KEY", "");
  const ca = envString(env, "TRAINYARD_TLS_CLIENT_CA", "");
  if (!cert && !key) {
    if (ca) throw new InvalidArgumentError("TRAINYARD_TLS_CLIENT_CA", "needs TRAINYARD_TLS_CERT and TRAINYARD_TLS_KEY");
    return undefined;
  }
  if (!cert || !key) throw new InvalidArgumentError(cert ? "TRAINYARD_TLS_KEY" : "TRAINYARD_TLS_CERT", "TRAINYARD_TLS_CERT and TRAINYARD_TLS_KEY go together");
  const files = { cert: readEnvFile("TRAINYARD_TLS_CERT", cert), key: readEnvFile("TRAINYARD_TLS_KEY", key), ...(ca ? { clientCa: readEnvFile("TRAINYARD_TLS_CLIENT_CA", ca) } : {}) };
  try {
    createSecureContext({ cert: files.cert, key: files.key, ...(files.clientCa && { ca: files.clientCa }) });
  } catch (err) {
    throw new InvalidArgumentError("TRAINYARD_TLS_CERT", `with TRAINYARD_TLS_KEY and TRAINYARD_TLS_CLIENT_CA: ${(err as Error).message}`);
  }
  return files;
}

/** The file an environment variable names, read now; unreadable: InvalidArgumentError naming the variable. */
export function readEnvFile(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InvalidArgumentError(name, `${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
