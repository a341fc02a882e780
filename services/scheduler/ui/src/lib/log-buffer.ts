/**
 * A task's log as lines, built from LogFrames as they come (pure, no DOM). Frames arrive in
 * strictly increasing seq; one at or below the last seen (a reconnect's overlap) is dropped, so a
 * resumed follow never shows a line twice. A frame that does not end with a newline leaves its
 * last line open: the next frame of the same attempt and stream continues it. A carriage return
 * starts a line over, as on a terminal (progress bars stay one line). Past `maxLines`
 * the oldest lines go (the download has them all).
 */
export type StreamName = "stdout" | "stderr" | "system";

export interface LogLine {
  stream: StreamName;
  attempt: number;
  /** Epoch ms of the frame that began the line. */
  time: number;
  text: string;
}

export interface FrameLike {
  seq: bigint;
  attempt: number;
  /** LogStream: 1 stdout, 2 stderr, 3 system. */
  stream: number;
  timeMs: number;
  data: Uint8Array;
}

/**
 * A line as a terminal would leave it: a carriage return starts it over (progress bars), so only
 * what follows the last one stays; a line's own CRLF ending is not one.
 */
function overwrite(text: string, complete: boolean): string {
  const t = complete && text.endsWith("\r") ? text.slice(0, -1) : text;
  const cr = t.lastIndexOf("\r");
  return cr < 0 ? t : t.slice(cr + 1);
}

const STREAMS: Record<number, StreamName> = { 1: "stdout", 2: "stderr", 3: "system" };

export class LogBuffer {
  lines: LogLine[] = [];
  lastSeq = 0n;
  /** Frames dropped as already seen. */
  duplicates = 0;
  /** Lines dropped from the front past maxLines. */
  dropped = 0;
  constructor(private readonly maxLines = 1_500_000) {}

  /** Adds frames in order; true when anything changed. */
  push(frames: readonly FrameLike[]): boolean {
    let changed = false;
    for (const f of frames) {
      if (f.seq <= this.lastSeq) {
        this.duplicates++;
        continue;
      }
      this.lastSeq = f.seq;
      changed = this.add(f) || changed;
    }
    if (this.lines.length > this.maxLines) {
      const cut = this.lines.length - Math.floor(this.maxLines * 0.9);
      this.lines = this.lines.slice(cut);
      this.dropped += cut;
    }
    return changed;
  }

  private add(f: FrameLike): boolean {
    const stream = STREAMS[f.stream] ?? "stdout";
    const key = `${f.attempt}/${stream}`;
    let decoder = this.decoders.get(key);
    if (!decoder) this.decoders.set(key, (decoder = new TextDecoder()));
    const text = decoder.decode(f.data, { stream: true });
    if (!text) return false;
    const whole = text.split("\n");
    const rest = whole.pop()!; // "" when the frame ended with a newline
    const open = this.open.get(key);
    const line = (t: string): LogLine => ({ stream, attempt: f.attempt, time: f.timeMs, text: t });
    whole.forEach((part, i) => {
      if (i === 0 && open) open.text = overwrite(open.text + part, true);
      else this.lines.push(line(overwrite(part, true)));
    });
    if (whole.length) this.open.delete(key);
    if (rest === "") return true;
    if (!whole.length && open) open.text = overwrite(open.text + rest, false);
    else {
      const l = line(overwrite(rest, false));
      this.lines.push(l);
      this.open.set(key, l);
    }
    return true;
  }

  private readonly decoders = new Map<string, TextDecoder>();
  private readonly open = new Map<string, LogLine>();
}
