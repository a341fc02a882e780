/**
 * One table for `npm run bench` (issue 11, item 10). Each benchmark adds its rows with row();
 * the rows go to a file (bench files run in their own workers), and the bench project's global
 * teardown (bench/lib/global.ts) prints them as one Markdown table and keeps it in
 * .trainyard/bench/table.md, which docs/performance.md quotes with its date and commit.
 *
 * A row is Trainyard's figure, its baseline measured in the same run, and the ratio between
 * them, oriented so that higher is better for Trainyard (a rate over a rate, or a baseline's
 * time over Trainyard's time), with the goal the issue set, when there is one.
 */
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface BenchRow {
  /** What is measured ("P2 Submit, 32 in flight"). Rows print in the order their benches ran. */
  row: string;
  /** Trainyard's figure, with units ("1,020 RPS, p99 41 ms"). */
  trainyard: string;
  /** The baseline's figure and what it is ("bare connect-node echo 1,290 RPS"). */
  baseline: string;
  /** Trainyard over the baseline, higher better; undefined when there is nothing to divide. */
  ratio?: number;
  /** The goal ("≥ 0.8×"), when one was set. */
  goal?: string;
  /** Is the goal met? undefined: no goal, or not decidable in this run (e.g. smoke mode). */
  met?: boolean;
}

export const BENCH_DIR = path.resolve(process.env.TRAINYARD_STATE_DIR ?? path.join(import.meta.dirname, "../../.trainyard"), "bench");
export const ROWS_FILE = path.join(BENCH_DIR, "rows.jsonl");

/** TRAINYARD_BENCH_SMOKE=1 (what `npm test` runs): small sizes, only to show each bench still works. */
export const SMOKE = process.env.TRAINYARD_BENCH_SMOKE === "1";

export function row(r: BenchRow): void {
  mkdirSync(BENCH_DIR, { recursive: true });
  appendFileSync(ROWS_FILE, `${JSON.stringify(r)}\n`);
}

export function renderTable(rows: BenchRow[], title: string): string {
  const head = ["row", "Trainyard", "baseline, same run", "ratio", "goal"];
  const cells = rows.map((r) => [r.row, r.trainyard, r.baseline, r.ratio === undefined ? "–" : `${fmtRatio(r.ratio)}×`, r.goal === undefined ? "–" : `${r.goal}${r.met === undefined ? "" : r.met ? " ✅" : " ❌"}`]);
  return [title, "", ...[head, head.map(() => "---"), ...cells].map((c) => `| ${c.join(" | ")} |`)].join("\n");
}

function fmtRatio(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(2);
}

/** Figures as people read them: 12,345. */
export function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** The p-th percentile (0..100) of some numbers. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** CPU seconds a process has used so far (utime + stime from /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // clock ticks of 1/100 s
}
