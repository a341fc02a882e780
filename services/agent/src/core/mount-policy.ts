/**
 * Which mounts a task may have on this host. Pure; runner/resolve-mounts.ts resolves paths on
 * the host and applies it.
 *   - Host paths: only under TRAINYARD_ALLOWED_HOST_PATHS (comma-separated; empty or unset:
 *     none), compared on whole path components after both sides were resolved (`..`, symlinks),
 *     so /data allows /data and /data/x but never /database.
 *   - Named volumes: one that does not exist yet (Docker creates it, labelled as Trainyard's and
 *     the task's namespace's), or an existing one of the task's namespace: labelled
 *     `trainyard.volume.namespace=<ns>`, or shared by an operator (`trainyard.volume.shared`, any
 *     namespace), or made before namespaces existed (other `trainyard.volume.*` labels: namespace
 *     "default"). Any other existing volume (another namespace's, another application's data, the
 *     NATS store) is refused.
 */
import { isAbsolute, sep } from "node:path";

/** Labels that make an existing volume one tasks may mount (VOLUME_CREATED_BY, or set by an operator). */
export const VOLUME_LABEL_PREFIX = "trainyard.volume.";
/** The namespace a volume belongs to (set when a task's mount creates it). */
export const VOLUME_NAMESPACE = "trainyard.volume.namespace";
/** Set by an operator on a volume every namespace may mount (`docker volume create --label trainyard.volume.shared=1`). */
export const VOLUME_SHARED = "trainyard.volume.shared";

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

/**
 * Why a task of `namespace` may not mount the named volume (its labels; null: no such volume),
 * or null when it may.
 */
export function volumeRefusal(name: string, labels: Record<string, string> | null, namespace: string): string | null {
  if (labels === null) return null;
  if (!Object.keys(labels).some((k) => k.startsWith(VOLUME_LABEL_PREFIX))) {
    return `volume ${name} exists and is not Trainyard's (tasks may mount volumes Trainyard created, or ones labelled ${VOLUME_SHARED}=1)`;
  }
  const owner = labels[VOLUME_NAMESPACE] ?? (labels[VOLUME_SHARED] !== undefined ? namespace : "default");
  return owner === namespace ? null : `volume ${name} belongs to another namespace`;
}
