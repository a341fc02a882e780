/** Retry timing for resuming streams, as data. Pure. */
export interface BackoffPolicy {
  /** Delay before the first retry. Default 100 ms. */
  initialMs?: number;
  /** Growth per consecutive failure. Default 2. */
  multiplier?: number;
  /** Upper bound of one delay. Default 5 s. */
  maxMs?: number;
  /** Each delay is scaled by a random factor in [1 - jitter, 1]. Default 0.2. */
  jitter?: number;
}

/**
 * The delay before retry number `retry` (0 = the first retry after a failure), given a random
 * number in [0, 1). Exponential, capped, with jitter that only shortens (so `maxMs` is a bound).
 */
export function backoffDelay(retry: number, policy: BackoffPolicy = {}, random: number = Math.random()): number {
  const { initialMs = 100, multiplier = 2, maxMs = 5_000, jitter = 0.2 } = policy;
  const raw = Math.min(maxMs, initialMs * multiplier ** Math.max(0, retry));
  return Math.round(raw * (1 - jitter * random));
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
