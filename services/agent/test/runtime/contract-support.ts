// What the contract cases share: the target a runtime's suite supplies, the case context,
// and waits that follow a container with a deadline (no bare sleeps). See contract.ts.
import type { ContainerRuntime, ContainerSpec, LogEntry } from "../../src/runtime/container-runtime.js";
import type { Behaviour } from "../../src/runtime/fake-behaviour.js";

export interface ContractTarget {
  runtime: ContainerRuntime;
  /** A spec named `name` that acts out `b` on this runtime, with `labels` added to the suite's. */
  spec(name: string, b: Behaviour, labels?: Record<string, string>): ContainerSpec;
  /** Unique to this run: prefixes container and volume names, and is the suite label's value. */
  prefix: string;
  /** The label ("key=value") every container and volume of this run carries. */
  label: string;
  images: ContractImages;
}

/** Image references, each playing one part. */
export interface ContractImages {
  /** On the host (the runner's test image). */
  present: string;
  /** Not on the host; never pulled. */
  absent: string;
  /** Not on the host; a pull succeeds, with progress. */
  pullable: string;
  /** The registry has no such manifest: a permanent failure. */
  missing: string;
  /** The registry refuses access: permanent. */
  denied: string;
  /** No registry answers: transient. */
  unreachable: string;
  /** The registry fails after the pull began (a blob is missing): transient. */
  broken: string;
  /** The registry never answers: the pull ends only by its signal. */
  hanging: string;
}

/** The case context: the target, and ids created here (removed after each case). */
export interface ContractCtx {
  t(): ContractTarget;
  /** Creates (and, unless `created`, starts) a container acting out `b`. */
  run(name: string, b: Behaviour, o?: { labels?: Record<string, string>; created?: boolean }): Promise<string>;
}

/** How long any one wait of a case may take. */
export const DEADLINE_MS = 30_000;

/** Every log entry of a container, following until its log ends (or the deadline). */
export async function readLogs(rt: ContainerRuntime, id: string, since?: string): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  const signal = AbortSignal.timeout(DEADLINE_MS);
  for await (const batch of rt.logs(id, since ? { signal, since } : { signal })) out.push(...batch);
  if (signal.aborted) throw new Error(`the log of ${id.slice(0, 12)} did not end within ${DEADLINE_MS} ms`);
  return out;
}

/** Follows a container's log until a line contains `text`; throws at the deadline. */
export async function untilLine(rt: ContainerRuntime, id: string, text: string): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), DEADLINE_MS);
  try {
    for await (const batch of rt.logs(id, { signal: ac.signal })) {
      if (batch.some((e) => e.data.toString().includes(text))) return;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  throw new Error(`no line "${text}" from ${id.slice(0, 12)} (its log ended, or ${DEADLINE_MS} ms passed)`);
}

/** Waits for the container to stop, within the deadline. */
export function stopped(rt: ContainerRuntime, id: string): Promise<void> {
  return rt.wait(id, AbortSignal.timeout(DEADLINE_MS));
}

/** "stream text" per entry, for comparing whole logs. */
export function lines(entries: LogEntry[]): string[] {
  return entries.map((e) => `${e.stream} ${e.data.toString()}`);
}
