import type { Outcome } from "@trainyard/common";
import { sleep } from "@trainyard/common";
import { advance, NOTHING_SHIPPED, parsePosition, rereadPlan, type LogPosition } from "../core/log-position.js";
import type { LogEntry } from "../runtime/container-runtime.js";
import type { AttemptContext } from "./run-attempt.js";
import { classify, ended, type StopCause } from "../core/classify.js";
import { stopContainer } from "./stop-container.js";

/** Thrown by supervise() when the agent detaches: the container goes on, unreported. */
export class Detached extends Error {
  constructor() {
    super("detached from a running container");
  }
}

/**
 * Where a supervised container's output comes from: its attach stream, opened before it started
 * (a fresh attempt), or the engine's log from where an earlier run of the agent left off
 * (`resume`, log-position.ts text; a re-attach).
 */
export type OutputSource = { attached: Attached; resume?: undefined } | { attached?: undefined; resume?: string };

/** An attach stream (ContainerRuntime.attach) and what closes it. */
export interface Attached {
  entries: AsyncIterable<LogEntry[]>;
  close: AbortController;
}

/**
 * Follows a started container to its end: streams its output into the attempt log, enforces the
 * timeout (from the container's start, so it survives a re-attach), obeys stop requests
 * (SIGTERM, grace, SIGKILL), and classifies the exit. On `detach` (agent SIGTERM) it stops
 * reading, flushes and throws Detached, leaving the container running for the next start.
 *
 * Output: from the attach stream while it lasts; if it ends before the container does (or
 * fails), from the engine's log at the position shipped, which skips exactly what was
 * (log-position.ts). After a re-attach, from the engine's log only; then, once the container
 * has exited, one more read from the position takes what a follow may have missed.
 */
export async function supervise(c: AttemptContext, id: string, stop: AbortSignal, startedAt: number, source: OutputSource): Promise<Outcome> {
  const { runtime, log, task } = c;
  const logsDone = new AbortController();
  const attached = source.attached;
  const cursor: PumpCursor = { at: attached ? NOTHING_SHIPPED : parsePosition(source.resume), lastAt: Date.now(), complete: false };
  const waiting = new AbortController(); // ends the wait when we leave early (detach, errors)
  const exited = runtime.wait(id, waiting.signal);
  exited.catch(() => {}); // awaited below; this only keeps an early rejection from going unhandled
  if (attached) logsDone.signal.addEventListener("abort", () => attached.close.abort(), { once: true });
  const pump = attached ? followAttached(c, id, attached, exited, logsDone.signal, cursor) : pumpLogs(c, id, logsDone.signal, cursor);
  let cause: StopCause | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeoutMs = task.spec.timeoutMs;
    const timedOut = new Promise<StopCause>((r) => {
      if (timeoutMs > 0) timer = setTimeout(() => r({ kind: "timeout", afterMs: timeoutMs }), Math.max(0, startedAt + timeoutMs - Date.now()));
    });
    // c.detach is the agent's, shared by every attempt: its listener goes when this attempt does.
    const detached = signalled(c.detach, waiting.signal).then(() => "detach" as const);
    const first = await Promise.race([exited.then(() => undefined), timedOut, signalled(stop, waiting.signal), detached]);
    clearTimeout(timer);
    if (first === "detach") throw new Detached();
    if (first) {
      cause = first;
      c.say({ kind: "stopping", cause: first });
      const graceMs = first.kind === "isolated" ? Math.min(first.graceMs, task.spec.stopGraceMs) : task.spec.stopGraceMs;
      await stopContainer(runtime, id, graceMs, exited, c.say);
    }
    await exited;
    // The output ends with the container. A stream that brings nothing for LOG_IDLE_MS is cut.
    // Unless the attach stream ended by itself with the container (it then brought everything),
    // one more read from the position takes what is left (Docker may also end a follow early
    // when the container exits), so a slow stream costs time, never lines.
    await untilIdle(pump, cursor, logsDone);
    if (!cursor.complete) {
      const rest = new AbortController();
      await untilIdle(pumpLogs(c, id, rest.signal, cursor), cursor, rest);
    }
    return classify(ended(await runtime.inspect(id), cause));
  } catch (err) {
    // Docker failed us mid-way; a stop we had begun still names the cause.
    if (cause && !(err instanceof Detached)) return classify({ kind: "stopped", cause, exitCode: -1 });
    throw err;
  } finally {
    clearTimeout(timer);
    waiting.abort();
    logsDone.abort();
    attached?.close.abort();
    await pump;
  }
}

/** Where the copy into the attempt log stands, when its last entry came, and whether it has all the output. */
interface PumpCursor {
  at: LogPosition;
  lastAt: number;
  /** The attach stream ended with the container: nothing is left to read. */
  complete: boolean;
}

/** How long after its attach stream ends a container must be seen to exit for the stream to count as complete. */
const ATTACH_END_GRACE_MS = 2_000;

const LOG_IDLE_MS = 10_000;

/** Awaits a log pump, aborting it once it has brought nothing for LOG_IDLE_MS. */
async function untilIdle(pump: Promise<void>, cursor: PumpCursor, ac: AbortController): Promise<void> {
  cursor.lastAt = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - cursor.lastAt > LOG_IDLE_MS) ac.abort();
  }, 1_000);
  try {
    await pump;
  } finally {
    clearInterval(watchdog);
  }
}

/**
 * Copies the attach stream into the attempt log. When it ends by itself and the container exits
 * within ATTACH_END_GRACE_MS, that was all of the output (`cursor.complete`); when it fails, or
 * the container runs on, the engine's log takes over from the position shipped.
 */
async function followAttached(c: AttemptContext, id: string, attached: Attached, exited: Promise<void>, signal: AbortSignal, cursor: PumpCursor): Promise<void> {
  let ended = false;
  try {
    await copy(c, attached.entries, signal, cursor, undefined);
    ended = true;
  } catch (err) {
    if (!signal.aborted) c.logger.warn({ err }, "attach stream failed; reading on from the engine's log");
  }
  if (signal.aborted) return;
  if (ended) {
    const grace = new AbortController();
    const exit = await Promise.race([exited.then(() => true, () => false), sleep(ATTACH_END_GRACE_MS, AbortSignal.any([signal, grace.signal])).then(() => false, () => false)]);
    grace.abort();
    if (exit) {
      cursor.complete = true;
      return;
    }
    if (signal.aborted) return;
    c.logger.warn("attach stream ended while the container runs; reading on from the engine's log");
  }
  await pumpLogs(c, id, signal, cursor);
}

/**
 * Copies the engine's log into the attempt log, honouring its back-pressure, until the stream
 * ends or `signal`. Re-reads from `cursor.at`, skipping what it says was shipped, and advances it.
 */
async function pumpLogs(c: AttemptContext, id: string, signal: AbortSignal, cursor: PumpCursor): Promise<void> {
  const { since, unshipped } = rereadPlan(cursor.at);
  try {
    await copy(c, c.runtime.logs(id, since ? { signal, since } : { signal }), signal, cursor, unshipped);
  } catch (err) {
    if (!signal.aborted) c.logger.warn({ err }, "log stream ended early");
  }
}

/** Ships entries into the attempt log, each with the position it brings the output to; throws what the source throws. */
async function copy(
  c: AttemptContext,
  source: AsyncIterable<LogEntry[]>,
  signal: AbortSignal,
  cursor: PumpCursor,
  unshipped: ((stream: LogEntry["stream"], data: Buffer, stamp?: string) => Buffer | undefined) | undefined,
): Promise<void> {
  const aborted = signalled(signal);
  for await (const batch of source) {
    for (const e of batch) {
      const data = unshipped ? unshipped(e.stream, e.data, e.stamp) : e.data;
      if (!data) continue;
      cursor.at = advance(cursor.at, e.stream, data, e.stamp);
      cursor.lastAt = Date.now();
      const full = c.log.write(e.stream, e.time, data, e.stamp, cursor.at);
      if (full) await Promise.race([full, aborted]);
      if (signal.aborted) return;
    }
  }
}

/** Resolves with the signal's reason once it aborts; once `until` aborts it stops listening (and never resolves). */
function signalled<T = StopCause>(signal: AbortSignal, until?: AbortSignal): Promise<T> {
  return new Promise((r) => {
    if (signal.aborted) return r(signal.reason as T);
    const onAbort = () => r(signal.reason as T);
    signal.addEventListener("abort", onAbort, { once: true });
    until?.addEventListener("abort", () => signal.removeEventListener("abort", onAbort), { once: true });
  });
}
