/**
 * Bounded concurrency with order per key: work pushed under one key runs one at a time, in the
 * order pushed; work under different keys runs at once, at most `limit` items held in all
 * (running or queued behind their key). push() waits while the limit is reached, so a producer
 * that awaits it is slowed, never buffered without bound. The event consumer keys by task: a
 * task's events apply in stream order, and events of different tasks do not wait for each other.
 */
export class KeyedLanes {
  private readonly tails = new Map<string, Promise<void>>();
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Queues `work` behind the earlier work of `key` once there is room; resolves when queued. `work` must not throw. */
  async push(key: string, work: () => Promise<void>): Promise<void> {
    while (this.held >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.held++;
    const tail: Promise<void> = (this.tails.get(key) ?? Promise.resolve()).then(work).finally(() => {
      this.held--;
      if (this.tails.get(key) === tail) this.tails.delete(key);
      this.waiting.shift()?.();
    });
    this.tails.set(key, tail);
  }

  /** Resolves when everything pushed so far has run. */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.allSettled([...this.tails.values()]);
  }
}
