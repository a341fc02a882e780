// Reading compose files as `docker compose` does, for the deployment tests: parsing (the
// `yaml` package), ${VAR:-default} interpolation with nothing set, and what a service is.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  ports?: (string | number | { target: number; published?: string | number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
}
export interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** Every compose file at the repository root. */
export const composeFiles = readdirSync(repo).filter((f) => /^(docker-)?compose(\.[\w-]+)?\.ya?ml$/.test(f));
/** Parsed as Compose does: YAML 1.1 merge keys (`<<: *anchor`) merged. */
export const load = (f: string) => parse(readFileSync(path.join(repo, f), "utf8"), { merge: true }) as ComposeFile;

/** Compose's ${VAR}, ${VAR:-default}, ${VAR-default} with nothing set: the defaults. */
export function interpolate(v: string): string {
  return v.replace(/\$\$/g, "\0").replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name: string, def?: string) => def ?? "").replace(/\0/g, "$");
}

export function environment(s: Service): Record<string, string> {
  const out: Record<string, string> = {};
  const env = s.environment ?? {};
  for (const [k, v] of Array.isArray(env) ? env.map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]) : Object.entries(env)) {
    out[k] = interpolate(String(v ?? ""));
  }
  return out;
}

export function build(s: Service): { context: string; dockerfile: string; target?: string } | null {
  if (!s.build) return null;
  const b = typeof s.build === "string" ? { context: s.build } : s.build;
  const context = path.resolve(repo, b.context ?? ".");
  return { context, dockerfile: path.resolve(context, b.dockerfile ?? "Dockerfile"), ...(b.target ? { target: b.target } : {}) };
}

export type Kind = "scheduler" | "agent" | "nats" | "nats-config" | "other";
export function kind(s: Service): Kind {
  if (argv(s).includes(NATS_CONF_MAIN)) return "nats-config";
  const t = build(s)?.target;
  if (t === "scheduler" || t === "agent") return t;
  if (s.image?.startsWith("nats:") || s.image?.startsWith("nats@")) return "nats";
  return "other";
}

/** Names of the variables a service's config loaders read (its config.ts, the shared logger and NATS connection). */
export function variablesRead(k: "scheduler" | "agent"): Set<string> {
  const loaders = [`services/${k}/src/config.ts`, "packages/common/src/logger.ts", "packages/common/src/nats/target.ts"];
  const names = new Set<string>();
  for (const f of loaders) for (const m of readFileSync(path.join(repo, f), "utf8").matchAll(/["'`](TRAINYARD_[A-Z0-9_]+)["'`]/g)) names.add(m[1]!);
  return names;
}

export function argv(s: Service): string[] {
  return Array.isArray(s.command) ? s.command.map(String) : (s.command ?? "").split(/\s+/).filter(Boolean);
}

export function flag(args: string[], ...names: string[]): string | undefined {
  const i = args.findIndex((a) => names.includes(a));
  return i >= 0 ? args[i + 1] : undefined;
}

export function dependsOn(s: Service): string[] {
  return Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
}

export function publishedTargets(s: Service): number[] {
  return (s.ports ?? []).map((p) => (typeof p === "object" ? p.target : Number(String(p).split(":").pop()!.split("/")[0])));
}

/** The generator (`npm run nats-conf`) as the images hold it; the nats-config service runs it. */
export const NATS_CONF_MAIN = "packages/common/dist/nats/conf/main.js";
/** Where the compose files mount the generated files. */
export const CONF_DIR = "/conf";

/**
 * Runs the file's nats-config service here as Compose would (its arguments, interpolated), into
 * a temp dir instead of /conf, without --owner (no chown needed here); `edit` may change the
 * arguments (e.g. map host names). Returns the dir.
 */
export function generateNatsConf(compose: ComposeFile, edit: (args: string[]) => string[] = (a) => a): string {
  const s = Object.values(compose.services).find((x) => kind(x) === "nats-config");
  if (!s) throw new Error("no nats-config service");
  const dir = mkdtempSync(path.join(os.tmpdir(), "trainyard-compose-conf-"));
  const args = argv(s).map(interpolate);
  const own = args.slice(args.indexOf(NATS_CONF_MAIN) + 1).flatMap((a, i, all) => (a === "--owner" || all[i - 1] === "--owner" ? [] : [a]));
  const mapped = edit(own).map((a) => (a === CONF_DIR ? dir : a));
  execFileSync(process.execPath, [path.join(repo, NATS_CONF_MAIN), ...mapped], { stdio: "pipe" });
  return dir;
}

/** A service's environment with the generated files' paths (under /conf) mapped to `dir`. */
export function environmentWith(s: Service, dir: string): Record<string, string> {
  const env = environment(s);
  for (const [k, v] of Object.entries(env)) if (v.startsWith(`${CONF_DIR}/`)) env[k] = path.join(dir, v.slice(CONF_DIR.length + 1));
  return env;
}
