/**
 * Which mounts a task may have on this host. Pure; runner/resolve-mounts.ts resolves paths on
 * the host and applies it.
 *   - Host paths: only under TRAINYARD_ALLOWED_HOST_PATHS (comma-separated; empty or unset:
 *     none), compared on whole path components after both sides were resolved (`..`, symlinks),
 *     so /data allows /data and /data/x but never /database.
 *   - Named volumes: one that does not exist yet (Docker creates it, labelled as Trainyard's), or
 *     one carrying a `trainyard.volume.*` label. Any other existing volume (another
 *     application's data, the NATS store) is refused.
 */
import { isAbsolute, sep } from "node:path";

/** Labels that make an existing volume one tasks may mount (VOLUME_CREATED_BY, or set by an operator). */
export const VOLUME_LABEL_PREFIX = "trainyard.volume.";

/** The allowlist as configured: absolute paths, trimmed, empties dropped. Throws on a relative entry. */
export function parseAllowedHostPaths(raw: string | undefined): string[] {
  const out = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of out) {
    if (!isAbsolute(p)) throw new Error(`TRAINYARD_ALLOWED_HOST_PATHS: ${JSON.stringify(p)} is not an absolute path`);
  }
  return out;
}

/** True when `path` is `prefix` or below it (whole components). Both must be resolved already. */
export function isUnder(path: string, prefix: string): boolean {
  if (prefix === sep) return true;
  const p = prefix.endsWith(sep) ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(p + sep);
}

/** Why a task may not mount the named volume (its labels; null: no such volume), or null when it may. */
export function volumeRefusal(name: string, labels: Record<string, string> | null): string | null {
  if (labels === null || Object.keys(labels).some((k) => k.startsWith(VOLUME_LABEL_PREFIX))) return null;
  return `volume ${name} exists and is not Trainyard's (tasks may mount volumes Trainyard created, or ones labelled ${VOLUME_LABEL_PREFIX}shared=1)`;
}
