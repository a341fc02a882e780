/**
 * The host log directory's retention (TRAINYARD_AGENT_LOG_RETENTION): a task's directory
 * (TRAINYARD_LOG_DIR/<task>/) whose newest file was last written longer ago than the retention,
 * and whose task this agent does not hold now, is removed. Swept at start and then every
 * twentieth of the retention (between 1 s and 1 h). Only directories named like task ids are
 * touched.
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";

const TASK_DIR = /^t-[0-9a-z]{8,64}$/;

/** Removes the expired task directories under `dir`; returns their names. */
export async function sweepLogDir(dir: string, retentionMs: number, now: number, held: (taskId: string) => boolean): Promise<string[]> {
  const removed: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory() || !TASK_DIR.test(e.name) || held(e.name)) continue;
    const path = join(dir, e.name);
    if ((await newestWrite(path)) + retentionMs > now) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(e.name);
  }
  return removed;
}

async function newestWrite(dir: string): Promise<number> {
  let newest = (await stat(dir)).mtimeMs;
  for (const f of await readdir(dir).catch(() => [])) newest = Math.max(newest, (await stat(join(dir, f)).catch(() => ({ mtimeMs: 0 }))).mtimeMs);
  return newest;
}

/** Sweeps now and every twentieth of the retention; returns a stop function. */
export function startLogDirSweeper(o: { dir: string; retentionMs: number; held: (taskId: string) => boolean; logger: Logger }): () => void {
  const sweep = () =>
    void sweepLogDir(o.dir, o.retentionMs, Date.now(), o.held).then(
      (removed) => removed.length && o.logger.info({ removed: removed.length, dir: o.dir }, "host log directories past their retention removed"),
      (err: unknown) => o.logger.warn({ err: String(err), dir: o.dir }, "host log directories not swept"),
    );
  sweep();
  const timer = setInterval(sweep, Math.max(1_000, Math.min(3_600_000, o.retentionMs / 20)));
  timer.unref();
  return () => clearInterval(timer);
}
