/**
 * Validates TaskSpec.mounts; returns them as the model's Mount, or throws InvalidArgumentError
 * naming the first bad field (`spec.mounts[1].target`). Pure; called by validateSubmit.
 *
 * Only the shape is checked here. Whether a host path may be mounted is the agent's call
 * (TRAINYARD_ALLOWED_HOST_PATHS, after resolving symlinks on its host).
 */
import { posix } from "node:path";
import { InvalidArgumentError, type Mount } from "@trainyard/common";
import { MountType, type Mount as PbMount } from "@trainyard/client";

export const MOUNT_LIMITS = { mounts: 32, path: 4096, volumeName: 255 } as const;

/** Docker's rule for volume names (RestrictedNamePattern): at least two characters. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const CONTROL = /[\0-\x1f\x7f]/;

export function validateMounts(mounts: readonly PbMount[]): Mount[] {
  if (mounts.length > MOUNT_LIMITS.mounts) throw new InvalidArgumentError("spec.mounts", `has more than ${MOUNT_LIMITS.mounts} entries`);
  const targets = new Map<string, number>();
  return mounts.map((m, i) => {
    const bad = (field: string, reason: string) => new InvalidArgumentError(`spec.mounts[${i}].${field}`, reason);
    let type: Mount["type"];
    if (m.type === MountType.VOLUME) type = "volume";
    else if (m.type === MountType.BIND) type = "bind";
    else throw bad("type", "must be MOUNT_TYPE_VOLUME or MOUNT_TYPE_BIND");

    const t = m.target;
    if (!t) throw bad("target", "is required");
    if (t.length > MOUNT_LIMITS.path || CONTROL.test(t)) throw bad("target", `must be at most ${MOUNT_LIMITS.path} characters without control characters`);
    if (!t.startsWith("/")) throw bad("target", `${JSON.stringify(t)} is not an absolute path`);
    if (t === "/") throw bad("target", "must not be / (a mount over the container's root)");
    if (posix.normalize(t) !== t || t.endsWith("/")) throw bad("target", `${JSON.stringify(t)} is not normalized (write ${JSON.stringify(posix.normalize(t).replace(/(.)\/$/, "$1"))})`);
    const earlier = targets.get(t);
    if (earlier !== undefined) throw bad("target", `${JSON.stringify(t)} is also the target of spec.mounts[${earlier}]`);
    targets.set(t, i);

    const s = m.source;
    if (type === "volume") {
      if (s.length > MOUNT_LIMITS.volumeName || !VOLUME_NAME.test(s)) {
        throw bad("source", `${JSON.stringify(s)} is not a valid volume name (letters, digits, _ . -, starting with a letter or digit, 2 to ${MOUNT_LIMITS.volumeName} characters)`);
      }
    } else {
      if (!s) throw bad("source", "is required (an absolute host path)");
      if (s.length > MOUNT_LIMITS.path || CONTROL.test(s)) throw bad("source", `must be at most ${MOUNT_LIMITS.path} characters without control characters`);
      if (!s.startsWith("/")) throw bad("source", `${JSON.stringify(s)} is not an absolute host path`);
    }
    return { type, source: s, target: t, readOnly: m.readOnly };
  });
}
