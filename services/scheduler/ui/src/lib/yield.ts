/**
 * Lets the page breathe while a stream is consumed: messages already received come one after
 * another in microtasks, which never give the browser a chance to paint or take input. Call
 * `breathe()` after each message; past `sliceMs` of work it waits for a task of its own.
 */
export function breather(sliceMs = 25): () => Promise<void> | undefined {
  let start = performance.now();
  return () => {
    if (performance.now() - start < sliceMs) return undefined;
    return new Promise<void>((r) =>
      setTimeout(() => {
        start = performance.now();
        r();
      }, 0),
    );
  };
}
