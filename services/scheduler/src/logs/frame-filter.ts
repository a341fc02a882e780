/**
 * StreamLogs' attempt and since filters: which frames a call shows. Pure but for the generator
 * that applies them. Frames go through in order; a batch left empty is skipped.
 */
import type { LogFrame } from "@trainyard/common";

export interface FrameFilterOptions {
  /** Only this attempt's frames; 0 or undefined: every attempt's. */
  attempt?: number;
  /** Only frames stamped at or after this time (ms since the epoch). */
  since?: number;
}

/** The predicate, or null when every frame is shown. */
export function frameFilter(o: FrameFilterOptions): ((f: LogFrame) => boolean) | null {
  const attempt = o.attempt ?? 0;
  const since = o.since;
  if (attempt === 0 && since === undefined) return null;
  return (f) => (attempt === 0 || f.attempt === attempt) && (since === undefined || f.time >= since);
}

export async function* onlyFrames(batches: AsyncGenerator<LogFrame[]>, keep: ((f: LogFrame) => boolean) | null): AsyncGenerator<LogFrame[]> {
  if (!keep) return yield* batches;
  for await (const batch of batches) {
    const kept = batch.filter(keep);
    if (kept.length) yield kept;
  }
}
