import type { LogFrame } from "@trainyard/common";

/**
 * Keeps the frames that hold the last `n` lines of everything pushed and trims the front so
 * exactly n lines remain. Lines are the bytes up to each "\n" across frame boundaries (frames
 * are cut at 64 KiB wherever that falls, so a line may span frames); an unfinished last line
 * counts as a line. Memory: the frames of about n lines.
 */
export class TailBuffer {
  private frames: { frame: LogFrame; newlines: number }[] = [];
  private newlines = 0;

  constructor(private readonly n: number) {}

  push(frame: LogFrame): void {
    const newlines = countNewlines(frame.data);
    this.frames.push({ frame, newlines });
    this.newlines += newlines;
    // Drop the oldest frame while the lines that *start* after it are still n or more.
    while (this.frames.length > 1) {
      const first = this.frames[0]!;
      const continues = !endsWithNewline(first.frame.data) ? 1 : 0;
      if (this.lines() - first.newlines - continues < this.n) break;
      this.frames.shift();
      this.newlines -= first.newlines;
    }
  }

  result(): LogFrame[] {
    let skip = this.lines() - this.n; // lines (or a leading fragment) to drop from the front
    const out: LogFrame[] = [];
    for (const { frame } of this.frames) {
      let data = frame.data;
      while (skip > 0 && data.length) {
        const nl = data.indexOf(10);
        if (nl < 0) {
          data = data.subarray(data.length);
          break; // the line goes on in the next frame
        }
        data = data.subarray(nl + 1);
        skip--;
      }
      if (data.length) out.push(data === frame.data ? frame : { ...frame, data });
    }
    return out;
  }

  /** Lines held: every "\n", plus an unfinished last line. */
  private lines(): number {
    const last = this.frames[this.frames.length - 1];
    return this.newlines + (last && !endsWithNewline(last.frame.data) ? 1 : 0);
  }
}

function countNewlines(data: Uint8Array): number {
  let n = 0;
  for (const b of data) if (b === 10) n++;
  return n;
}

function endsWithNewline(data: Uint8Array): boolean {
  return data.length > 0 && data[data.length - 1] === 10;
}
