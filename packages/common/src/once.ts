/** `fn` made idempotent: the first call runs it, every call gets that first call's promise (close()). */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}
