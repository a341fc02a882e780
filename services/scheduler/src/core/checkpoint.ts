/**
 * TaskSpec.checkpoint, validated: where the directory is and how often it is saved. Pure.
 * A save is restored with Docker's archive API into the created container, before it starts, so
 * the path must be somewhere that write lands and stays: the container's own filesystem, or a
 * writable mount. With a read-only root filesystem that means under a writable mount (the /tmp
 * tmpfs is mounted only at start, over whatever was restored there).
 */
import { posix } from "node:path";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { DEFAULT_CHECKPOINT_INTERVAL_MS, InvalidArgumentError, type CheckpointSpec, type Mount } from "@trainyard/common";
import type { Checkpoint } from "@trainyard/client";

export const CHECKPOINT_LIMITS = { path: 4096, minIntervalMs: 1_000, maxIntervalMs: 86_400_000 } as const;

export function validateCheckpoint(c: Checkpoint | undefined, mounts: readonly Mount[], readOnlyRootfs: boolean): CheckpointSpec | undefined {
  if (!c) return undefined;
  const bad = (field: string, reason: string) => new InvalidArgumentError(`spec.checkpoint.${field}`, reason);
  const p = c.path;
  if (!p) throw bad("path", "is required");
  if (p.length > CHECKPOINT_LIMITS.path || /[\0-\x1f\x7f]/.test(p)) throw bad("path", `must be at most ${CHECKPOINT_LIMITS.path} characters without control characters`);
  if (!p.startsWith("/")) throw bad("path", `${JSON.stringify(p)} is not an absolute path`);
  if (p === "/") throw bad("path", "must not be / (the whole container)");
  if (posix.normalize(p) !== p || p.endsWith("/")) throw bad("path", `${JSON.stringify(p)} is not normalized (write ${JSON.stringify(posix.normalize(p).replace(/(.)\/$/, "$1"))})`);
  const under = mounts.filter((m) => p === m.target || p.startsWith(`${m.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
  if (under?.readOnly) throw bad("path", `is on the read-only mount ${under.target}: a restore could not write it`);
  if (readOnlyRootfs && !under) throw bad("path", "must be on a writable mount when read_only_rootfs is set (the root filesystem, /tmp included, cannot keep a restored save)");
  const intervalMs = intervalOf(c.interval, bad);
  return { path: p, intervalMs };
}

function intervalOf(d: Duration | undefined, bad: (field: string, reason: string) => Error): number {
  if (!d || (d.seconds === 0n && d.nanos === 0)) return DEFAULT_CHECKPOINT_INTERVAL_MS;
  if (d.seconds < 0n || d.nanos < 0 || d.nanos >= 1e9) throw bad("interval", "must be a positive duration");
  const ms = Number(d.seconds) * 1000 + Math.ceil(d.nanos / 1e6);
  const { minIntervalMs: min, maxIntervalMs: max } = CHECKPOINT_LIMITS;
  if (ms < min || ms > max) throw bad("interval", `must be between ${min / 1000}s and ${max / 1000}s (unset: ${DEFAULT_CHECKPOINT_INTERVAL_MS / 1000}s)`);
  return ms;
}

/** A save's task, attempt and time, from its object name (checkpointName); null for any other name. */
export function parseCheckpointName(name: string): { taskId: string; attempt: number; time: number } | null {
  const m = /^(.+)\.(\d{1,9})\.(\d{1,15})$/.exec(name);
  return m ? { taskId: m[1]!, attempt: Number(m[2]), time: Number(m[3]) } : null;
}

/**
 * Is the save `name`, written at `writtenAt`, one nobody will restore (so the sweep deletes it)?
 * It is when its task is gone or records another save, and it is older than `graceMs` (a save
 * whose event is still on its way is younger). `lastOf`: the task's recorded save's name, null
 * when the task has none, undefined when the task is gone.
 */
export function isUnclaimedSave(name: string, writtenAt: number, lastOf: string | null | undefined, now: number, graceMs: number): boolean {
  return now - writtenAt >= graceMs && lastOf !== name;
}
