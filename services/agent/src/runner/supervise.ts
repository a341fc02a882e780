import type { Outcome } from "@trainyard/common";
import { parseCursor, rereadFrom, shippedFilter, type LogCursor } from "../core/log-cursor.js";
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
 * Follows a started container to its end: streams its logs into the attempt log, enforces the
 * timeout (from the container's start, so it survives a re-attach), obeys stop requests
 * (SIGTERM, grace, SIGKILL), and classifies the exit. On `detach` (agent SIGTERM) it stops
 * reading, flushes and throws Detached, leaving the container running for the next start.
 * `resume`: where the log was shipped up to (re-attach; log-cursor.ts text), so nothing repeats.
 */
export async function supervise(
  c: AttemptContext,
  id: string,
  stop: AbortSignal,
  startedAt: number,
  resume?: string,
): Promise<Outcome> {
  const { runtime, log, task } = c;
  const logsDone = new AbortController();
  const cursor: PumpCursor = { at: parseCursor(resume), lastAt: Date.now() };
  const pump = pumpLogs(c, id, logsDone.signal, cursor);
  const waiting = new AbortController(); // ends the wait when we leave early (detach, errors)
  const exited = runtime.wait(id, waiting.signal);
  exited.catch(() => {}); // awaited below; this only keeps an early rejection from going unhandled
  let cause: StopCause | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeoutMs = task.spec.timeoutMs;
    const timedOut = new Promise<StopCause>((r) => {
      if (timeoutMs > 0) timer = setTimeout(() => r({ kind: "timeout", afterMs: timeoutMs }), Math.max(0, startedAt + timeoutMs - Date.now()));
    });
    const detached = signalled(c.detach).then(() => "detach" as const);
    const first = await Promise.race([exited.then(() => undefined), timedOut, signalled(stop), detached]);
    clearTimeout(timer);
    if (first === "detach") throw new Detached();
    if (first) {
      cause = first;
      c.say({ kind: "stopping", cause: first });
      const graceMs = first.kind === "isolated" ? Math.min(first.graceMs, task.spec.stopGraceMs) : task.spec.stopGraceMs;
      await stopContainer(runtime, id, graceMs, exited, c.say);
    }
    await exited;
    // The log stream ends with the container. A stream that brings nothing for LOG_IDLE_MS is
    // cut; either way one more read from the cursor takes what is left (Docker may also end a
    // follow early when the container exits), so a slow stream costs time, never lines.
    await untilIdle(pump, cursor, logsDone);
    const rest = new AbortController();
    await untilIdle(pumpLogs(c, id, rest.signal, cursor), cursor, rest);
    return classify(ended(await runtime.inspect(id), cause));
  } catch (err) {
    // Docker failed us mid-way; a stop we had begun still names the cause.
    if (cause && !(err instanceof Detached)) return classify({ kind: "stopped", cause, exitCode: -1 });
    throw err;
  } finally {
    clearTimeout(timer);
    waiting.abort();
    logsDone.abort();
    await pump;
  }
}

/** Where the copy into the attempt log stands, per stream, and when its last entry came. */
interface PumpCursor {
  at: LogCursor;
  lastAt: number;
}

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
 * Copies the container's output into the attempt log, honouring its back-pressure, until the
 * stream ends or `signal`. Resumes from `cursor.at`, skipping what it says was shipped (Docker's
 * `since` includes the entry stamped exactly then), and advances it.
 */
async function pumpLogs(c: AttemptContext, id: string, signal: AbortSignal, cursor: PumpCursor): Promise<void> {
  const aborted = signalled(signal);
  const since = rereadFrom(cursor.at);
  const wasShipped = shippedFilter(cursor.at);
  try {
    for await (const batch of c.runtime.logs(id, since ? { signal, since } : { signal })) {
      for (const e of batch) {
        if (e.stamp) {
          if (wasShipped(e.stream, e.stamp)) continue;
          cursor.at[e.stream] = e.stamp;
        }
        cursor.lastAt = Date.now();
        const full = c.log.write(e.stream, e.time, e.data, e.stamp);
        if (full) await Promise.race([full, aborted]);
        if (signal.aborted) return;
      }
    }
  } catch (err) {
    if (!signal.aborted) c.logger.warn({ err }, "log stream ended early");
  }
}

/** Resolves with the signal's reason once it aborts. */
function signalled<T = StopCause>(signal: AbortSignal): Promise<T> {
  return new Promise((r) => {
    if (signal.aborted) return r(signal.reason as T);
    signal.addEventListener("abort", () => r(signal.reason as T), { once: true });
  });
}
