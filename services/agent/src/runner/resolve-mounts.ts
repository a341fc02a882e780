/**
 * Checks a task's mounts on this host right before its container is created (core/mount-policy.ts
 * decides): bind sources are resolved with realpath and must lie under an allowed prefix;
 * existing volumes must be Trainyard's. Reads the filesystem and Docker; changes nothing.
 */
import { realpath } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { Mount } from "@trainyard/common";
import { isUnder, volumeRefusal } from "../core/mount-policy.js";

export class MountRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MountRefusedError";
  }
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

/**
 * The spec's mounts with every bind source resolved and allowed and every existing volume
 * Trainyard's and of the task's `namespace`; throws MountRefusedError (`mount spec.mounts[0]: host path /etc is not under
 * TRAINYARD_ALLOWED_HOST_PATHS (/data)`) at the first one that is not.
 */
export async function resolveMounts(
  mounts: readonly Mount[],
  allowed: readonly string[],
  volumeLabels: (name: string) => Promise<Record<string, string> | null>,
  namespace = "default",
): Promise<Mount[]> {
  const out: Mount[] = [];
  for (const [i, m] of mounts.entries()) {
    if (m.type !== "bind") {
      const why = volumeRefusal(m.source, await volumeLabels(m.source), namespace);
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
