/**
 * A counting semaphore for the agent's task slots: acquire() waits for a free slot (or the
 * signal), release() frees one. The pull loop holds a slot before it asks for work, so the
 * agent never holds more tasks than slots.
 */
export class Slots {
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly total: number) {}

  get free(): number {
    return this.total - this.used;
  }

  async acquire(signal: AbortSignal): Promise<void> {
    while (this.used >= this.total) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener("abort", done);
          const i = this.waiters.indexOf(done);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve();
        };
        this.waiters.push(done);
        signal.addEventListener("abort", done, { once: true });
      });
    }
    signal.throwIfAborted();
    this.used++;
  }

  /** Takes a slot without waiting, even past the total (an attempt re-attached after a restart). */
  take(): void {
    this.used++;
  }

  release(): void {
    if (this.used === 0) throw new Error("release without acquire");
    this.used--;
    this.waiters.shift()?.();
  }
}
