/** The per-stream log cursor: re-reads after the engine wrote streams out of stamp order repeat nothing and lose nothing. */
import { describe, expect, it } from "vitest";
import { formatCursor, parseCursor, REREAD_WINDOW_NS, rereadFrom, shippedFilter, type LogCursor } from "../../src/core/log-cursor.js";
import { nsToStamp, stampNs } from "../../src/core/log-stamps.js";

const T = 1_796_000_000_000_000_000n; // some instant, in ns
const at = (ms: number) => nsToStamp(T + BigInt(ms) * 1_000_000n);
type Line = { stream: "stdout" | "stderr"; stamp: string; text: string };

/** What a pump copies from `log` (the engine's file order), given cursor `c`; advances `c`. */
function copy(log: Line[], c: LogCursor): string[] {
  const from = rereadFrom(c);
  const wasShipped = shippedFilter(c);
  const out: string[] = [];
  for (const l of log) {
    if (from !== undefined && stampNs(l.stamp)! < stampNs(from)!) continue; // the engine's `since`
    if (wasShipped(l.stream, l.stamp)) continue;
    c[l.stream] = l.stamp;
    out.push(l.text);
  }
  return out;
}

describe("log cursor", () => {
  // `echo out1; echo err1 >&2; echo out2`: the stdout copier wrote out2 before the stderr copier
  // wrote err1, whose stamp is earlier. A cursor of "the last entry's stamp" (err1) re-read out2.
  const log: Line[] = [
    { stream: "stdout", stamp: at(1), text: "out1" },
    { stream: "stdout", stamp: at(3), text: "out2" },
    { stream: "stderr", stamp: at(2), text: "err1" },
  ];

  it("re-reading a log written out of stamp order repeats nothing", () => {
    const c: LogCursor = {};
    expect(copy(log, c)).toEqual(["out1", "out2", "err1"]);
    expect(copy(log, c)).toEqual([]);
    expect(c).toEqual({ stdout: at(3), stderr: at(2) });
  });

  it("catches a line of the other stream written late with an earlier stamp", () => {
    const c: LogCursor = {};
    expect(copy(log.slice(0, 2), c)).toEqual(["out1", "out2"]); // the follow ended before err1 was written
    expect(copy(log, c)).toEqual(["err1"]);
  });

  it("re-reads from the older stream's mark, but never more than the window before the newest", () => {
    expect(rereadFrom({})).toBeUndefined();
    expect(rereadFrom({ stdout: at(3), stderr: at(2) })).toBe(at(2));
    expect(rereadFrom({ stdout: at(3) })).toBe(nsToStamp(stampNs(at(3))! - REREAD_WINDOW_NS));
    expect(rereadFrom({ stdout: at(10_000), stderr: at(1) })).toBe(nsToStamp(stampNs(at(10_000))! - REREAD_WINDOW_NS));
  });

  it("round-trips through its header text; a bare stamp (older agents) counts for both streams", () => {
    const c = { stdout: at(3), stderr: at(2) };
    expect(parseCursor(formatCursor(c))).toEqual(c);
    expect(parseCursor(formatCursor({ stderr: at(2) }))).toEqual({ stderr: at(2) });
    expect(formatCursor({})).toBeUndefined();
    expect(parseCursor("2026-11-28T15:12:58.644945409Z")).toEqual({ stdout: "2026-11-28T15:12:58.644945409Z", stderr: "2026-11-28T15:12:58.644945409Z" });
    expect(parseCursor(undefined)).toEqual({});
  });

  it("formats nanoseconds as the engine does", () => {
    const s = "2026-11-28T15:12:58.000000409Z";
    expect(nsToStamp(stampNs(s)!)).toBe(s);
  });
});
