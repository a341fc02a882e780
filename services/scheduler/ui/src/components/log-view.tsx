/**
 * A task's log: every line in a list that renders only what is in view (a million lines stay
 * smooth), stdout, stderr and Trainyard's SYSTEM lines told apart, ANSI colours rendered (each
 * line on its own: a colour left open at a line's end does not carry over), the attempt marked
 * where it changes. Sticks to the bottom while followed, unless scrolled up.
 */
import { parseAnsi } from "../lib/ansi.js";
import type { LogBuffer, LogLine } from "../lib/log-buffer.js";
import { VirtualList } from "./virtual-list.js";

const ROW = 18;

export function LogView({ buffer, version }: { buffer: LogBuffer; version: number }) {
  const lines = buffer.lines;
  return (
    <VirtualList
      count={lines.length}
      rowHeight={ROW}
      version={version}
      stick
      class="log"
      testId="log"
      row={(i) => <Line line={lines[i]!} index={i + buffer.dropped} attemptStarts={i === 0 || lines[i - 1]!.attempt !== lines[i]!.attempt} key={i + buffer.dropped} />}
    />
  );
}

function Line({ line, index, attemptStarts }: { line: LogLine; index: number; attemptStarts: boolean }) {
  const { spans } = parseAnsi(line.text);
  return (
    <div class={`ll ${line.stream}${attemptStarts ? " attempt-start" : ""}`} data-attempt={line.attempt} data-i={index} data-stream={line.stream}>
      <span class="gutter">{line.stream === "system" ? "▸" : line.stream === "stderr" ? "!" : ""}</span>
      {spans.map((s) => (
        <span
          class={[s.bold && "b", s.dim && "dim", s.italic && "i", s.underline && "u"].filter(Boolean).join(" ")}
          style={s.fg || s.bg ? { color: s.fg, backgroundColor: s.bg } : undefined}
        >
          {s.text}
        </span>
      ))}
    </div>
  );
}
