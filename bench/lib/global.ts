/**
 * The bench project's global setup: clears the rows of the last run, and at the end prints the
 * one table of this run (bench/lib/table.ts) and keeps it in .trainyard/bench/table.md.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BENCH_DIR, renderTable, ROWS_FILE, SMOKE, type BenchRow } from "./table.js";

export function setup(): () => void {
  rmSync(ROWS_FILE, { force: true });
  return () => {
    if (!existsSync(ROWS_FILE)) return;
    const rows = readFileSync(ROWS_FILE, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as BenchRow);
    const commit = (() => {
      try {
        return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: path.join(import.meta.dirname, "../..") }).toString().trim();
      } catch {
        return "unknown";
      }
    })();
    const when = new Date().toISOString().slice(0, 16).replace("T", " ");
    const title = `Trainyard benchmarks${SMOKE ? " (SMOKE MODE: small sizes, figures mean nothing)" : ""}, ${when} UTC, commit ${commit}, ${os.availableParallelism()} CPUs`;
    const table = renderTable(rows, title);
    mkdirSync(BENCH_DIR, { recursive: true });
    writeFileSync(path.join(BENCH_DIR, "table.md"), `${table}\n`);
    process.stdout.write(`\n${table}\n\n(kept in ${path.join(BENCH_DIR, "table.md")})\n`);
  };
}
