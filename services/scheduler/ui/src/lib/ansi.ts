/**
 * ANSI escape sequences in a log line → styled spans. Pure. SGR (colours, bold, dim, italic,
 * underline, 16 / 256 / 24-bit colours) is rendered; every other escape (cursor moves, erase,
 * OSC titles) is dropped. `parseAnsi` can take the state a previous line ended in and returns the
 * one this line ends in; the log view parses each line on its own (only the rows in view are).
 */
export interface AnsiState {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

export interface Span extends AnsiState {
  text: string;
}

const BASIC = ["#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5"];
const BRIGHT = ["#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"];

// CSI ... final byte, OSC ... BEL/ST, and lone ESC + one char.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function parseAnsi(line: string, start: AnsiState = {}): { spans: Span[]; end: AnsiState } {
  const spans: Span[] = [];
  let state: AnsiState = { ...start };
  let at = 0;
  const push = (text: string) => {
    if (text) spans.push({ ...state, text });
  };
  if (!line.includes("\x1b")) return { spans: line ? [{ ...state, text: line }] : [], end: state };
  for (const m of line.matchAll(ESCAPE)) {
    push(line.slice(at, m.index));
    at = m.index! + m[0].length;
    if (m[2] === "m") state = applySgr(state, m[1] ?? "");
  }
  push(line.slice(at));
  return { spans, end: state };
}

function applySgr(s: AnsiState, params: string): AnsiState {
  const codes = params === "" ? [0] : params.split(";").map((p) => (p === "" ? 0 : Number(p)));
  let next: AnsiState = { ...s };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) next = {};
    else if (c === 1) next.bold = true;
    else if (c === 2) next.dim = true;
    else if (c === 3) next.italic = true;
    else if (c === 4) next.underline = true;
    else if (c === 22) delete next.bold, delete next.dim;
    else if (c === 23) delete next.italic;
    else if (c === 24) delete next.underline;
    else if (c >= 30 && c <= 37) next.fg = BASIC[c - 30];
    else if (c >= 90 && c <= 97) next.fg = BRIGHT[c - 90];
    else if (c === 39) delete next.fg;
    else if (c >= 40 && c <= 47) next.bg = BASIC[c - 40];
    else if (c >= 100 && c <= 107) next.bg = BRIGHT[c - 100];
    else if (c === 49) delete next.bg;
    else if (c === 38 || c === 48) {
      const [color, used] = extended(codes, i + 1);
      if (color) next[c === 38 ? "fg" : "bg"] = color;
      i += used;
    }
  }
  return next;
}

/** 38;5;n or 38;2;r;g;b (after the 38/48): the colour and how many codes it used. */
function extended(codes: number[], i: number): [string | undefined, number] {
  if (codes[i] === 5 && codes[i + 1] !== undefined) return [xterm256(codes[i + 1]!), 2];
  if (codes[i] === 2 && codes[i + 3] !== undefined) {
    const [r, g, b] = [codes[i + 1]!, codes[i + 2]!, codes[i + 3]!].map((v) => Math.max(0, Math.min(255, v)));
    return [`rgb(${r}, ${g}, ${b})`, 4];
  }
  return [undefined, 0];
}

function xterm256(n: number): string | undefined {
  if (n < 0 || n > 255) return undefined;
  if (n < 8) return BASIC[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const k = n - 16;
  const step = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${step(Math.floor(k / 36))}, ${step(Math.floor(k / 6) % 6)}, ${step(k % 6)})`;
}
