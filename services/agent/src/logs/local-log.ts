import type { LogFrame, StreamName } from "@trainyard/common";

/**
 * The recent output of one attempt kept in memory for AgentService.StreamLogs: the last
 * `maxEntries` entries with attempt-local seqs, and wake-ups for live followers.
 */
export class LocalLog {
  /** entries[head..] are held; the front is dropped in bulk so appends stay O(1). */
  private entries: LogFrame[] = [];
  private head = 0;
  private seq = 0;
  private done = false;
  private waiters: (() => void)[] = [];

  constructor(
    readonly attempt = 0,
    private readonly maxEntries = 10_000,
  ) {}

  append(stream: StreamName, time: number, data: Buffer): void {
    this.entries.push({ seq: ++this.seq, attempt: this.attempt, stream, time, data });
    if (this.entries.length - this.head > this.maxEntries) this.head++;
    if (this.head > this.maxEntries) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    this.wake();
  }

  end(): void {
    this.done = true;
    this.wake();
  }

  get ended(): boolean {
    return this.done;
  }

  /** Entries with seq > after that are still held. */
  since(after: number): LogFrame[] {
    const first = this.entries[this.head]?.seq ?? this.seq + 1;
    return this.entries.slice(this.head + Math.max(0, after + 1 - first));
  }

  /** Resolves on the next append or end, or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || this.done) return resolve();
      const done = () => {
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }
}
