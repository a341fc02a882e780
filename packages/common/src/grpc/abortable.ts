/**
 * abortableIterable: make a `for await` stop when an AbortSignal fires, even while the source
 * is parked in `next()` (a NATS subscription or consumer with no traffic never wakes up on its own).
 *
 * The idiom for a streaming handler (it is what ends streams on shutdown and on client cancel):
 *
 *   async *watch(req, ctx) {
 *     const sub = nc.subscribe(subject);
 *     try {
 *       for await (const m of abortableIterable(sub, ctx.signal)) yield toResponse(m);
 *     } finally {
 *       sub.unsubscribe();            // cleanup belongs to the owner of the source, not to this helper
 *     }
 *   }
 *
 * Contract:
 * - When `signal` aborts, the loop throws `signal.reason`. In a connect handler that reason is a
 *   ConnectError: `Unavailable "server shutting down"` from GrpcServer.close(), `Canceled` when the
 *   client went away, `DeadlineExceeded` on the client's deadline. Throwing it (rather than
 *   returning) is deliberate: a stream that ends OK tells the client it is complete, so it
 *   would not resume.
 * - On abort or early exit the source's `return()` is called but NOT awaited (a suspended async
 *   generator would not answer it until its pending `next()` settles). Release resources in a
 *   `finally` of your own, as above.
 * - A value the source produces after the abort is dropped. Single use, like any iterator.
 */
export async function* abortableIterable<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T, void, undefined> {
  signal.throwIfAborted();
  const it = source[Symbol.asyncIterator]();
  let removeListener = () => {};
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    removeListener = () => signal.removeEventListener("abort", onAbort);
  });
  aborted.catch(() => {}); // observed through Promise.race; never an unhandled rejection on its own
  let finished = false;
  try {
    for (;;) {
      const next = it.next();
      next.catch(() => {}); // if the abort wins the race, a later rejection of `next` is dropped
      const r = await Promise.race([next, aborted]);
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
      signal.throwIfAborted();
    }
  } catch (err) {
    if (!signal.aborted) finished = true; // the source threw: it is already closed
    throw err;
  } finally {
    removeListener();
    if (!finished) Promise.resolve(it.return?.()).catch(() => {});
  }
}
