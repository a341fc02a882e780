/**
 * The CLI's terminal: output with back-pressure, colour and TTY decisions, and the spinner.
 * The spinner draws on stderr only when stderr is a TTY; it erases its line before anything
 * else is written (callers go through `out`/`err`) and redraws on its timer.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import { spinnerText, type WaitStatus } from "./format.js";

export interface Terminal {
  out(data: string | Uint8Array): Promise<void>;
  err(data: string | Uint8Array): Promise<void>;
  /** Dimmed SYSTEM lines and such: stderr is a TTY and NO_COLOR is unset. */
  readonly color: boolean;
  readonly stdoutTty: boolean;
  readonly stderrTty: boolean;
  readonly columns: number;
  readonly rows: number;
  spinner(status: WaitStatus | undefined): void;
  /** Erases the spinner and stops its timer. */
  close(): void;
}

type Stream = Writable & { isTTY?: boolean; columns?: number; rows?: number };

export function terminal(stdout: Stream = process.stdout, stderr: Stream = process.stderr, env: NodeJS.ProcessEnv = process.env): Terminal {
  const stderrTty = stderr.isTTY === true;
  let status: WaitStatus | undefined;
  let shown = false;
  let tick = 0;
  let timer: NodeJS.Timeout | undefined;
  const erase = () => {
    if (shown) stderr.write("\r\x1b[2K");
    shown = false;
  };
  const draw = () => {
    const text = status && spinnerText(status, tick++, (stderr.columns || 80) - 1);
    erase();
    if (text) {
      stderr.write(text);
      shown = true;
    }
  };
  const write = async (s: Stream, data: string | Uint8Array) => {
    erase();
    if (!s.write(data)) await once(s, "drain");
    if (timer) draw();
  };
  return {
    out: (d) => write(stdout, d),
    err: (d) => write(stderr, d),
    color: stderrTty && env.NO_COLOR === undefined,
    stdoutTty: stdout.isTTY === true,
    stderrTty,
    columns: stdout.columns || 100,
    rows: stdout.rows || 40,
    spinner(s) {
      if (!stderrTty) return;
      status = s;
      if (!timer) {
        timer = setInterval(draw, 100);
        timer.unref();
      }
      draw();
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      erase();
    },
  };
}
