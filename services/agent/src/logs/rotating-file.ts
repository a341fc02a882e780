import { mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * An append-only file that rotates by size: `path` is the newest, `path.1` … `path.<keep-1>`
 * are older, the oldest is deleted. Writes are coalesced: while one write is in flight the
 * next ones gather in memory and go out together. write() returns a promise only when more
 * than `maxPendingBytes` wait (back-pressure). close() flushes and is idempotent.
 */
export class RotatingFile {
  private fh?: FileHandle;
  private size = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushing?: Promise<void>;
  private closing?: Promise<void>;
  private error?: unknown;

  constructor(
    private readonly path: string,
    private readonly maxBytes = 10 * 1024 * 1024,
    private readonly keep = 5,
    private readonly maxPendingBytes = 4 * 1024 * 1024,
  ) {}

  write(data: Buffer | string): Promise<void> | undefined {
    if (this.closing) throw new Error(`write after close: ${this.path}`);
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    const flushing = (this.flushing ??= this.flush());
    return this.pendingBytes > this.maxPendingBytes ? flushing : undefined;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.flushing) await this.flushing;
      await this.fh?.close();
      this.fh = undefined;
    })();
    return this.closing;
  }

  /** The first write error, if any (writes go on being attempted). */
  get lastError(): unknown {
    return this.error;
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length) {
        const chunk = Buffer.concat(this.pending);
        this.pending = [];
        this.pendingBytes = 0;
        await this.append(chunk).catch((err) => (this.error ??= err));
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async append(buf: Buffer): Promise<void> {
    if (!this.fh) {
      await mkdir(dirname(this.path), { recursive: true });
      this.fh = await open(this.path, "a");
      this.size = (await this.fh.stat()).size;
    }
    // Files end at line ends: a batch that does not fit is cut at its last newline that does;
    // only a single line longer than a whole file is cut inside.
    for (let off = 0; off < buf.length; ) {
      const rest = buf.subarray(off);
      const room = this.maxBytes - this.size;
      if (rest.length <= room) {
        await this.put(rest);
        break;
      }
      const nl = room > 0 ? rest.lastIndexOf(10, room - 1) : -1;
      if (nl >= 0 || this.size === 0) {
        const part = rest.subarray(0, nl >= 0 ? nl + 1 : room);
        await this.put(part);
        off += part.length;
      }
      await this.rotate();
    }
  }

  private async put(part: Buffer): Promise<void> {
    await this.fh!.write(part);
    this.size += part.length;
  }

  private async rotate(): Promise<void> {
    await this.fh!.close();
    this.fh = undefined;
    if (this.keep <= 1) {
      await rm(this.path, { force: true });
    } else {
      await rm(`${this.path}.${this.keep - 1}`, { force: true });
      for (let i = this.keep - 2; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => {});
      await rename(this.path, `${this.path}.1`);
    }
    this.fh = await open(this.path, "a");
    this.size = 0;
  }
}
