/**
 * Cuts a stream of raw output chunks (the attach stream's) at line ends, as Docker's log copier
 * does: what is handed on ends with a newline, except a line longer than `maxLine` (handed on in
 * pieces of at least that size) and what is left at the end of the stream. So the position
 * shipped (log-position.ts) is nearly always at a line's end, where counting lines in the
 * engine's json-file log is exact even when it has replaced invalid UTF-8 inside a line. Pure.
 */

/** Docker's copier reads 16 KiB at a time and logs a longer line in pieces of that size. */
export const MAX_HELD_LINE = 16 * 1024;

export class LineCutter {
  private held: Buffer | undefined;

  constructor(private readonly maxLine = MAX_HELD_LINE) {}

  /** Takes a chunk; returns what ends a line (or a long line's piece), undefined if nothing does yet. */
  push(chunk: Buffer): Buffer | undefined {
    if (!chunk.length) return undefined;
    const held = this.held;
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      const all = held ? Buffer.concat([held, chunk]) : chunk;
      if (all.length >= this.maxLine) {
        this.held = undefined;
        return all;
      }
      // A small chunk is kept on its own: a copy, since the caller may reuse its buffer.
      this.held = held ? all : Buffer.from(chunk);
      return undefined;
    }
    const rest = chunk.length - last - 1;
    const done = held ? Buffer.concat([held, chunk.subarray(0, last + 1)]) : chunk.subarray(0, last + 1);
    if (rest === 0) {
      this.held = undefined;
      return done;
    }
    if (rest >= this.maxLine) {
      this.held = undefined;
      return held ? Buffer.concat([held, chunk]) : chunk;
    }
    this.held = Buffer.from(chunk.subarray(last + 1));
    return done;
  }

  /** What is held (the end of the stream: an unfinished last line). */
  flush(): Buffer | undefined {
    const held = this.held;
    this.held = undefined;
    return held;
  }
}
