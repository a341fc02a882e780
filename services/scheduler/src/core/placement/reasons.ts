/** Words for why a pending task waits (its `message`). Pure. */
import { formatBytes } from "@trainyard/client/units";
import type { Resources, Unfit, WaitReason } from "./types.js";

export function waitText(w: WaitReason): string {
  switch (w.kind) {
    case "unschedulable":
      return `unschedulable: ${unfitText(w.pool, w.why)}`;
    case "quota":
      return `waiting for quota: namespace "${w.namespace}" has ${w.used} of ${w.quota} ${w.limit}`;
    case "preempting":
      return `waiting for ${w.victims} preempted task${w.victims === 1 ? "" : "s"} to stop on node ${w.nodeId}`;
    case "array":
      return `waiting: array ${w.arrayId} already runs its max_parallel of ${w.maxParallel}`;
    case "room":
      return w.position > 0 ? `${ROOM_PREFIX}"${w.pool}" (${ordinal(w.position)} in line)` : `${ROOM_PREFIX}"${w.pool}"`;
  }
}

function unfitText(pool: string, u: Unfit): string {
  const where = `no node in pool "${pool}"`;
  switch (u.kind) {
    case "no-nodes":
      return `${where} is known (no agent serves it)`;
    case "gpus":
      return `${where} has ${u.want} GPU${u.want === 1 ? "" : "s"} (largest: ${u.largest})`;
    case "cpus":
      return `${where} has ${u.want} CPUs (largest: ${u.largest})`;
    case "memory":
      return `${where} has ${bytes(u.want)} of memory (largest: ${bytes(u.largest)})`;
    case "labels":
      return `${where} has the labels ${Object.entries(u.want).map(([k, v]) => `${k}=${v}`).join(",")}`;
    case "network":
      return `${where} allows network ${u.want}`;
    case "together":
      return `${where} has ${resourcesText(u.want)} at once`;
  }
}

function resourcesText(r: Resources): string {
  const parts = [r.gpus ? `${r.gpus} GPU${r.gpus === 1 ? "" : "s"}` : "", r.cpus ? `${r.cpus} CPUs` : "", r.memoryBytes ? `${bytes(r.memoryBytes)} of memory` : ""].filter(Boolean);
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : (parts[0] ?? "a free slot");
}

const bytes = formatBytes;

/** How a "room" wait begins: readers add the place in line (store/queue-positions.ts). */
export const ROOM_PREFIX = "waiting for room in pool ";

export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ["th", "st", "nd", "rd"][n % 10] ?? "th";
  return `${n}${suffix}`;
}
