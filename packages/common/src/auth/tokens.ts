/**
 * The auth file (TRAINYARD_AUTH_FILE, YAML) and token checks. Pure: the text in, the config
 * out; a header and the time in, the principal out.
 *
 *   tokens:                      # token: the secret itself (16+ characters), or token_sha256: its hex SHA-256
 *     - { name: alice, token: "…", role: submitter, namespace: team-a }
 *     - { name: ops, token_sha256: "…", role: admin, namespace: "*", expires: 2027-06-30T00:00:00Z }
 *   namespaces:                  # optional quotas per namespace
 *     team-a: { max_pending: 100, max_running: 8, max_gpus: 4 }
 *
 * Only SHA-256 digests are kept in memory; a presented token is hashed and compared with every
 * digest in constant time (no early exit), so timing tells nothing about which one, if any,
 * matched.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { parse } from "yaml";
import { UnauthenticatedError } from "../errors.js";
import { ALL_NAMESPACES, ROLES, type Principal, type Role } from "./principal.js";

export interface TokenEntry {
  name: string;
  sha256: Buffer;
  role: Role;
  namespace: string;
  /** Epoch ms after which the token is refused; undefined: never. */
  expires?: number;
}

export interface NamespaceQuota {
  maxPending?: number;
  maxRunning?: number;
  maxGpus?: number;
}

export interface AuthConfig {
  tokens: TokenEntry[];
  namespaces: Record<string, NamespaceQuota>;
}

export const NAMESPACE = /^[a-zA-Z0-9_-]{1,64}$/;
const MIN_TOKEN_CHARS = 16;
const QUOTA_KEYS: Record<string, keyof NamespaceQuota> = { max_pending: "maxPending", max_running: "maxRunning", max_gpus: "maxGpus" };
const TOKEN_KEYS = new Set(["name", "token", "token_sha256", "role", "namespace", "expires"]);

export function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Parses and checks the whole file; throws an Error naming the entry and field at the first problem. */
export function parseAuthFile(text: string): AuthConfig {
  const doc = parse(text) as unknown;
  if (!isRecord(doc)) throw new Error("expected a mapping with `tokens` (and optionally `namespaces`)");
  const unknown = Object.keys(doc).filter((k) => k !== "tokens" && k !== "namespaces");
  if (unknown.length) throw new Error(`unknown key ${JSON.stringify(unknown[0])} (expected tokens, namespaces)`);
  if (!Array.isArray(doc.tokens)) throw new Error("`tokens` must be a list");
  const names = new Set<string>();
  const digests = new Set<string>();
  const tokens = doc.tokens.map((t: unknown, i: number) => {
    const entry = parseToken(t, `tokens[${i}]`);
    if (names.has(entry.name)) throw new Error(`tokens[${i}].name: ${JSON.stringify(entry.name)} is used twice`);
    const hex = entry.sha256.toString("hex");
    if (digests.has(hex)) throw new Error(`tokens[${i}]: the same token as an earlier entry`);
    names.add(entry.name);
    digests.add(hex);
    return entry;
  });
  return { tokens, namespaces: parseNamespaces(doc.namespaces) };
}

function parseToken(t: unknown, at: string): TokenEntry {
  if (!isRecord(t)) throw new Error(`${at}: expected a mapping`);
  const extra = Object.keys(t).find((k) => !TOKEN_KEYS.has(k));
  if (extra) throw new Error(`${at}: unknown key ${JSON.stringify(extra)}`);
  const { name, token, token_sha256: hex, role, namespace, expires } = t;
  if (typeof name !== "string" || !name.trim()) throw new Error(`${at}.name: required`);
  if ((token === undefined) === (hex === undefined)) throw new Error(`${at}: give exactly one of token, token_sha256`);
  if (token !== undefined && (typeof token !== "string" || token.length < MIN_TOKEN_CHARS)) {
    throw new Error(`${at}.token: must be a string of at least ${MIN_TOKEN_CHARS} characters`);
  }
  if (hex !== undefined && (typeof hex !== "string" || !/^[0-9a-fA-F]{64}$/.test(hex))) throw new Error(`${at}.token_sha256: must be 64 hex digits`);
  if (!ROLES.includes(role as Role)) throw new Error(`${at}.role: must be one of ${ROLES.join(", ")}`);
  if (typeof namespace !== "string" || (namespace !== ALL_NAMESPACES && !NAMESPACE.test(namespace))) {
    throw new Error(`${at}.namespace: must be "*" or letters, digits, _ and - (at most 64)`);
  }
  const expiresMs = expires === undefined ? undefined : expires instanceof Date ? expires.getTime() : typeof expires === "string" ? Date.parse(expires) : NaN;
  if (expiresMs !== undefined && Number.isNaN(expiresMs)) throw new Error(`${at}.expires: must be a date and time (2027-06-30T00:00:00Z)`);
  return {
    name,
    sha256: typeof token === "string" ? sha256(token) : Buffer.from(hex as string, "hex"),
    role: role as Role,
    namespace,
    ...(expiresMs !== undefined ? { expires: expiresMs } : {}),
  };
}

function parseNamespaces(v: unknown): Record<string, NamespaceQuota> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new Error("`namespaces` must be a mapping of namespace to quotas");
  const out: Record<string, NamespaceQuota> = {};
  for (const [ns, q] of Object.entries(v)) {
    if (!NAMESPACE.test(ns)) throw new Error(`namespaces.${ns}: not a namespace name`);
    if (!isRecord(q)) throw new Error(`namespaces.${ns}: expected a mapping of quotas`);
    const quota: NamespaceQuota = {};
    for (const [k, n] of Object.entries(q)) {
      const key = QUOTA_KEYS[k];
      if (!key) throw new Error(`namespaces.${ns}.${k}: unknown quota (expected ${Object.keys(QUOTA_KEYS).join(", ")})`);
      if (!Number.isInteger(n) || (n as number) < 0) throw new Error(`namespaces.${ns}.${k}: must be a whole number, 0 or more`);
      quota[key] = n as number;
    }
    out[ns] = quota;
  }
  return out;
}

/**
 * The principal an `authorization` header ("Bearer <token>") stands for at `now`; throws
 * UnauthenticatedError when it is missing, malformed, unknown or expired.
 */
export function authenticate(cfg: AuthConfig, authorization: string | null, now: number): Principal {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!m) throw new UnauthenticatedError('no token: send the header "authorization: Bearer <token>"');
  const presented = sha256(m[1]!);
  let found: TokenEntry | undefined;
  for (const t of cfg.tokens) {
    if (timingSafeEqual(presented, t.sha256)) found ??= t;
  }
  if (!found) throw new UnauthenticatedError("unknown token");
  if (found.expires !== undefined && now >= found.expires) throw new UnauthenticatedError("token expired");
  return { name: found.name, role: found.role, namespace: found.namespace };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
