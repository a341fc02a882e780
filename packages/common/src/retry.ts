/**
 * The one retry loop of the services' IO (publishing an event or a log frame, connecting to
 * NATS, waiting for the Docker Engine, removing a container): call `op` until it resolves,
 * waiting backoffDelay(n, backoff) after the n-th failure (the client's policy: exponential,
 * capped; no jitter unless the policy asks for it, so the waits are exactly 1, 2, 4… times
 * `initialMs`). Every wait is abortable: when `signal` aborts, the wait rejects with its reason;
 * a failure once it has aborted, or one `retryIf` refuses, is thrown as it is.
 */
import { backoffDelay, sleep, type BackoffPolicy } from "@trainyard/client/backoff";

export { backoffDelay, sleep, type BackoffPolicy };

export interface RetryOptions {
  backoff: BackoffPolicy;
  signal?: AbortSignal;
  /** Retries after the first try before the last error is thrown; default: no end. */
  retries?: number;
  /** Which failures are worth another try; default: all. */
  retryIf?: (err: unknown) => boolean;
  /** Told of each failure that will be retried, and how long the wait before the next try is. */
  onRetry?: (err: unknown, delayMs: number, retry: number) => void;
}

export async function retry<T>(op: () => Promise<T>, o: RetryOptions): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await op();
    } catch (err) {
      if (o.signal?.aborted || (o.retries !== undefined && n >= o.retries) || o.retryIf?.(err) === false) throw err;
      const delayMs = backoffDelay(n, { jitter: 0, ...o.backoff });
      o.onRetry?.(err, delayMs, n);
      await sleep(delayMs, o.signal);
    }
  }
}
