/**
 * followLogs: a task's log as an async iterator of LogFrames that resumes by itself across
 * dropped connections and scheduler restarts. Works with any transport (Node or browser): it
 * only needs the StreamLogs method of a SchedulerService client.
 *
 *   connect(after_seq) ──frames──▶ yield each frame with seq > last seen (last seen := seq)
 *      ▲        │ server ends OK (task final, last frame sent): done
 *      │        │ retryable error (isRetryable): wait backoff
 *      └────────┘ anything else (NOT_FOUND, INVALID_ARGUMENT, a server's own INTERNAL, ...): thrown
 *
 * No gap: each reconnect asks for `after_seq` = the last seq yielded. No duplicate: a frame whose
 * seq is not above the last one yielded is dropped. The backoff resets whenever a frame arrives.
 * `signal` aborts the open call and any backoff wait at once; the iterator then throws a
 * ConnectError with code CANCELED. Breaking out of `for await` cancels the open call too.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { LogFrame } from "./gen/trainyard/v1/task_pb.js";
import type { SchedulerService } from "./gen/trainyard/v1/scheduler_pb.js";
import { backoffDelay, sleep, type BackoffPolicy } from "./backoff.js";

/** How a resuming stream (followLogs, watchTasks) retries. */
export interface RetryOptions {
  signal?: AbortSignal;
  backoff?: BackoffPolicy;
  /** Consecutive failed attempts (no frame in between) before giving up. Default: unlimited. */
  maxRetries?: number;
  /** Told about each retryable failure before the backoff wait (e.g. to print "reconnecting"). */
  onRetry?: (err: ConnectError, delayMs: number, retry: number) => void;
}

export interface FollowLogsOptions extends RetryOptions {
  /** Resume after this seq (0: from the start). */
  afterSeq?: bigint;
  /** On the first call only (when afterSeq is 0): start with the last N lines. */
  tailLines?: number;
  /** Default true: go on until the task is final. false: what exists now, still resumed on errors. */
  follow?: boolean;
  /** Only this attempt's frames (0 or unset: every attempt's). */
  attempt?: number;
  /** Only frames stamped at or after this time. */
  since?: Date;
}

/** Codes worth another try whoever raised them: the server is going away, overloaded, or slow. */
export const RETRYABLE_CODES: ReadonlySet<Code> = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Aborted]);
/** Codes retried only when the client's transport raised them (a reset stream, a failed fetch). */
const TRANSPORT_CODES: ReadonlySet<Code> = new Set([Code.Internal, Code.Unknown]);

/**
 * Whether a failed call is worth repeating. connect-es marks errors raised on this side (a node
 * socket error, an HTTP/2 reset, a fetch TypeError) with a `cause`; errors the server sent have
 * none, so a server's own INTERNAL ("internal error", a bug) is not retried forever.
 */
export function isRetryable(err: ConnectError): boolean {
  return RETRYABLE_CODES.has(err.code) || (TRANSPORT_CODES.has(err.code) && err.cause !== undefined);
}

type StreamLogsClient = Pick<Client<typeof SchedulerService>, "streamLogs">;

export async function* followLogs(client: StreamLogsClient, taskId: string, o: FollowLogsOptions = {}): AsyncGenerator<LogFrame, void, undefined> {
  const { signal } = o;
  let last = o.afterSeq ?? 0n;
  let tail = last === 0n ? (o.tailLines ?? 0) : 0;
  let failures = 0;
  for (;;) {
    if (signal?.aborted) throw ConnectError.from(signal.reason, Code.Canceled);
    try {
      const call = client.streamLogs({ taskId, follow: o.follow ?? true, afterSeq: last, tailLines: tail, attempt: o.attempt ?? 0, ...(o.since && { since: timestampFromDate(o.since) }) }, signal ? { signal } : {});
      for await (const res of call) {
        for (const frame of res.frames) {
          if (frame.seq <= last) continue;
          last = frame.seq;
          tail = 0;
          failures = 0;
          yield frame;
        }
      }
      return;
    } catch (e) {
      await backOffOrThrow(e, failures++, o);
    }
  }
}

/**
 * After a failed call of a resuming stream (followLogs, watchTasks): throws CANCELED when
 * `signal` aborted, the error itself when it is not worth a retry (or `maxRetries` is spent),
 * and otherwise waits out the backoff for retry number `retry` (abortable).
 */
export async function backOffOrThrow(e: unknown, retry: number, o: RetryOptions): Promise<void> {
  const { signal } = o;
  if (signal?.aborted) throw ConnectError.from(signal.reason, Code.Canceled);
  const err = ConnectError.from(e);
  if (!isRetryable(err) || retry >= (o.maxRetries ?? Infinity)) throw err;
  const delay = backoffDelay(retry, o.backoff);
  o.onRetry?.(err, delay, retry);
  await sleep(delay, signal).catch((reason: unknown) => {
    throw ConnectError.from(reason, Code.Canceled);
  });
}
