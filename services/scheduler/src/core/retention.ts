/**
 * Which final tasks a retention sweep deletes. Pure.
 *
 * Normally those that ended at least TRAINYARD_TASK_RETENTION ago. When the tasks bucket is
 * above PRESSURE_HIGH of its cap (a full bucket refuses new tasks), finished tasks go before
 * their time too, the oldest first, as many as bring it down to PRESSURE_LOW: finished history
 * gives way to new work, never the other way round. Tasks not final are never deleted.
 */
export const PRESSURE_HIGH = 0.8;
export const PRESSURE_LOW = 0.7;

export interface BucketUsage {
  bytes: number;
  /** The cap; 0 or less: none. */
  maxBytes: number;
  records: number;
}

export interface Cut {
  /** Final tasks that ended at or before this go... */
  cutoff: number;
  /** ...at most this many this sweep, the oldest first. */
  limit: number;
  /** How many of them go before their retention because of the bucket's size (0: none). */
  early: number;
}

export function retentionCut(now: number, retentionMs: number, batch: number, usage?: BucketUsage): Cut {
  if (!usage || usage.maxBytes <= 0 || usage.records === 0 || usage.bytes <= usage.maxBytes * PRESSURE_HIGH) return { cutoff: now - retentionMs, limit: batch, early: 0 };
  const perRecord = usage.bytes / usage.records;
  const early = Math.ceil((usage.bytes - usage.maxBytes * PRESSURE_LOW) / perRecord);
  return { cutoff: now, limit: Math.min(batch, early), early: Math.min(batch, early) };
}

/**
 * Above this share of its cap the tasks bucket takes no new task: the rest is headroom for the
 * tasks it holds, whose records grow as they change (a full bucket refuses those writes too).
 */
export const SUBMIT_LIMIT = 0.9;

/** Why Submit is refused for room, or null when there is room (or no cap, or no reading). */
export function submitRefusal(usage: BucketUsage | undefined): string | null {
  if (!usage || usage.maxBytes <= 0 || usage.bytes < usage.maxBytes * SUBMIT_LIMIT) return null;
  const pct = Math.floor((usage.bytes / usage.maxBytes) * 100);
  return `the tasks bucket is ${pct}% full (TRAINYARD_TASKS_MAX_BYTES=${usage.maxBytes}): no new tasks until retention deletes finished ones; retry later`;
}
