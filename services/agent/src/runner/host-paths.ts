import { realpath } from "node:fs/promises";
import { isAbsolute, resolve, sep } from "node:path";
import type { Mount } from "@trainyard/common";

/**
 * Which host paths a task may bind-mount: only those under TRAINYARD_ALLOWED_HOST_PATHS
 * (comma-separated; empty or unset: none). Both the requested path and the prefixes are
 * resolved first (`..`, symlinks: realpath), and a prefix matches whole path components, so
 * /data allows /data and /data/x but never /database, and a symlink under /data that points
 * to /etc is refused. Called by the runner before the container is created; reads the
 * filesystem but changes nothing.
 */
export class MountRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MountRefusedError";
  }
}

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

/** True when `path` is `prefix` or below it (whole components). Both must be resolved already. Pure. */
export function isUnder(path: string, prefix: string): boolean {
  if (prefix === sep) return true;
  const p = prefix.endsWith(sep) ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(p + sep);
}

export type HostPathCheck = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Resolves `hostPath` and checks it against `allowed`. On success `path` is the resolved
 * path: the one to hand Docker (so a symlink swapped later cannot redirect the mount).
 */
export async function checkHostPath(hostPath: string, allowed: readonly string[]): Promise<HostPathCheck> {
  const list = allowed.length ? `(${allowed.join(", ")})` : "(empty: no host paths allowed)";
  const refuse = (why: string): HostPathCheck => ({ ok: false, reason: `host path ${hostPath} ${why}` });
  if (!isAbsolute(hostPath)) return refuse("is not absolute");
  if (allowed.length === 0) return refuse(`is not under TRAINYARD_ALLOWED_HOST_PATHS ${list}`);
  let real: string;
  try {
    real = await realpath(hostPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return refuse(code === "ENOENT" ? "does not exist on this host" : `cannot be resolved (${code ?? String(err)})`);
  }
  const prefixes = await Promise.all(allowed.map((a) => realpath(a).catch(() => resolve(a))));
  if (prefixes.some((p) => isUnder(real, p))) return { ok: true, path: real };
  const shown = real === hostPath ? "" : ` (resolves to ${real})`;
  return { ok: false, reason: `host path ${hostPath}${shown} is not under TRAINYARD_ALLOWED_HOST_PATHS ${list}` };
}

/** Labels that make an existing volume one tasks may mount (VOLUME_CREATED_BY, or set by an operator). */
export const VOLUME_LABEL_PREFIX = "trainyard.volume.";

/**
 * Why a task may not mount the named volume, or null when it may: a volume that does not exist
 * yet (Docker creates it, labelled as Trainyard's), or one carrying a `trainyard.volume.*`
 * label. Any other existing volume (another application's data, the NATS store) is refused. Pure.
 */
export function volumeRefusal(name: string, labels: Record<string, string> | null): string | null {
  if (labels === null || Object.keys(labels).some((k) => k.startsWith(VOLUME_LABEL_PREFIX))) return null;
  return `volume ${name} exists and is not Trainyard's (tasks may mount volumes Trainyard created, or ones labelled ${VOLUME_LABEL_PREFIX}shared=1)`;
}

/**
 * The spec's mounts with every bind source resolved and allowed and every existing volume
 * Trainyard's; throws MountRefusedError (`mount spec.mounts[0]: host path /etc is not under
 * TRAINYARD_ALLOWED_HOST_PATHS (/data)`) at the first one that is not.
 */
export async function resolveMounts(
  mounts: readonly Mount[],
  allowed: readonly string[],
  volumeLabels: (name: string) => Promise<Record<string, string> | null>,
): Promise<Mount[]> {
  const out: Mount[] = [];
  for (const [i, m] of mounts.entries()) {
    if (m.type !== "bind") {
      const why = volumeRefusal(m.source, await volumeLabels(m.source));
      if (why) throw new MountRefusedError(`mount spec.mounts[${i}]: ${why}`);
      out.push(m);
      continue;
    }
    const c = await checkHostPath(m.source, allowed);
    if (!c.ok) throw new MountRefusedError(`mount spec.mounts[${i}]: ${c.reason}`);
    out.push({ ...m, source: c.path });
  }
  return out;
}
