/**
 * A queue between a producer that must not block (a view listener) and an async consumer (an
 * RPC stream). Holds at most `max` items: one more marks it overflowed, and the consumer's
 * next take() throws `overflowError()`. take() also ends, with the signal's reason, on abort.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private overflowed = false;
  private waiter?: () => void;

  constructor(
    private readonly max: number,
    private readonly overflowError: () => Error,
  ) {}

  push(item: T): void {
    if (this.overflowed) return;
    if (this.items.length >= this.max) {
      this.overflowed = true;
      this.items = [];
    } else {
      this.items.push(item);
    }
    this.wake();
  }

  async take(signal: AbortSignal): Promise<T> {
    const onAbort = () => this.wake();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        signal.throwIfAborted();
        if (this.overflowed) throw this.overflowError();
        const item = this.items.shift();
        if (item !== undefined) return item;
        await new Promise<void>((r) => (this.waiter = r));
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
