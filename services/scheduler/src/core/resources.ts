/**
 * The container limits a task gets. Pure. A task that asks for no CPU or memory limit (0) gets
 * the scheduler's default (TRAINYARD_TASK_DEFAULT_CPUS, TRAINYARD_TASK_DEFAULT_MEMORY), never
 * more than its pool allows; one that asks for more than its pool allows (TRAINYARD_POOL_LIMITS)
 * is refused, naming the field. The limits applied are stored in the spec, so Task.spec shows
 * them.
 *
 * TRAINYARD_POOL_LIMITS: "gpu:cpus=64,memory=512g;*:cpus=8,memory=32g": per pool, the most a
 * task may ask for; "*" for every pool not named.
 */
import { parseBytes } from "@trainyard/client/units";
import { InvalidArgumentError, type Resources } from "@trainyard/common";

export interface PoolLimit {
  cpus?: number;
  memoryBytes?: number;
}

export interface ResourcePolicy {
  /** Cores and bytes a task that asks for none gets; 0: no limit. */
  defaultCpus: number;
  defaultMemoryBytes: number;
  /** The most a task of a pool may ask for; "*": every pool not named. */
  poolLimits: Record<string, PoolLimit>;
}

/** No defaults, no maxima: what a task asks for is what it gets. */
export const NO_POLICY: ResourcePolicy = { defaultCpus: 0, defaultMemoryBytes: 0, poolLimits: {} };

export function applyResourcePolicy(r: Resources, pool: string, p: ResourcePolicy): Resources {
  const max = p.poolLimits[pool] ?? p.poolLimits["*"] ?? {};
  const pick = (asked: number, def: number, most: number | undefined) => (asked > 0 ? asked : most !== undefined && def > most ? most : def);
  const cpus = pick(r.cpus, p.defaultCpus, max.cpus);
  const memoryBytes = pick(r.memoryBytes, p.defaultMemoryBytes, max.memoryBytes);
  const where = `in pool ${pool} (TRAINYARD_POOL_LIMITS)`;
  if (max.cpus !== undefined && cpus > max.cpus) throw new InvalidArgumentError("spec.resources.cpus", `must be at most ${max.cpus} ${where}`);
  if (max.memoryBytes !== undefined && memoryBytes > max.memoryBytes) {
    throw new InvalidArgumentError("spec.resources.memory_bytes", `must be at most ${max.memoryBytes} ${where}`);
  }
  return { ...r, cpus, memoryBytes };
}

/** Parses TRAINYARD_POOL_LIMITS; throws an Error naming the bad part. */
export function parsePoolLimits(text: string): Record<string, PoolLimit> {
  const out: Record<string, PoolLimit> = {};
  for (const entry of text.split(";").map((e) => e.trim()).filter(Boolean)) {
    const m = /^([a-zA-Z0-9_-]{1,64}|\*):(.+)$/.exec(entry);
    if (!m) throw new Error(`${JSON.stringify(entry)} is not pool:cpus=N,memory=SIZE`);
    const limit: PoolLimit = {};
    for (const kv of m[2]!.split(",").map((x) => x.trim())) {
      const [k, v = ""] = kv.split("=").map((x) => x.trim());
      if (k === "cpus" && Number(v) > 0) limit.cpus = Number(v);
      else if (k === "memory" && (parseBytes(v) ?? 0) > 0) limit.memoryBytes = parseBytes(v)!;
      else throw new Error(`${JSON.stringify(kv)} in ${JSON.stringify(entry)}: expected cpus=N or memory=SIZE (512m, 8g)`);
    }
    out[m[1]!] = limit;
  }
  return out;
}
