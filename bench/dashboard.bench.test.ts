// Benchmark (`npm run bench`; `npm test` runs it in smoke mode): the web dashboard in Debian's
// Chromium with many tasks and a long log (issue 13, item 6). Measured in the page: how long until
// every task is listed (Watch) and a whole log is loaded, the longest the main thread was blocked
// meanwhile (PerformanceObserver long tasks, 50 ms and more), and frame times while scrolling
// through all of it. The baseline, in the same run, is the same data read by the Node client
// (Watch, StreamLogs) with nothing rendered.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TaskState } from "@trainyard/client";
import { launchBrowser } from "../test/harness/browser.js";
import { freePort, startCluster, type TestCluster } from "../test/harness/cluster.js";
import { sh, spec } from "../test/harness/tasks.js";
import { fmt, row, SMOKE } from "./lib/table.js";

const TASKS = SMOKE ? 500 : 10_000;
const LINES = SMOKE ? 20_000 : 1_000_000;

let c: TestCluster;
let ui: string;
beforeAll(async () => {
  const httpAddress = `127.0.0.1:${await freePort()}`;
  c = await startCluster("bench-ui", { schedulerHttpAddress: httpAddress, agents: [{ slots: 2 }] });
  ui = `http://${httpAddress}/ui/`;
});
afterAll(() => c?.stop());

/** Starts recording long tasks in the page; the returned function gives the longest so far (ms) and their count. */
async function watchLongTasks(page: Page): Promise<() => Promise<{ longest: number; count: number }>> {
  await page.evaluate(`(() => {
    window.__long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: "longtask", buffered: true });
  })()`);
  return () => page.evaluate(`({ longest: Math.max(0, ...window.__long), count: window.__long.length })`);
}

/** Scrolls `selector` from top to bottom in `steps` jumps, one a frame; the frame times (ms). */
function scrollFrames(page: Page, selector: string, steps: number): Promise<number[]> {
  return page.evaluate(`(async () => {
    const box = document.querySelector(${JSON.stringify(selector)});
    const times = [];
    let last = performance.now();
    for (let i = 0; i <= ${steps}; i++) {
      box.scrollTop = (box.scrollHeight - box.clientHeight) * i / ${steps};
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    return times;
  })()`);
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? 0;

it(`the dashboard with ${fmt(TASKS)} tasks and a ${fmt(LINES)}-line log`, async () => {
  const browser = await launchBrowser();
  try {
    // Tasks: arrays of 1,000 in a pool nobody serves, so they all wait.
    for (let done = 0; done < TASKS; done += 1_000) {
      await c.client.submitArray({ spec: spec({ command: sh("true"), pool: "nowhere" }).spec, count: Math.min(1_000, TASKS - done) });
    }
    let t0 = performance.now();
    let seen = 0;
    const ac = new AbortController();
    for await (const _ of c.client.watchTasks("", { signal: ac.signal })) if (++seen >= TASKS) break;
    ac.abort();
    const nodeWatch = performance.now() - t0;

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    t0 = performance.now();
    await page.goto(ui);
    const longTasks = await watchLongTasks(page);
    await page.getByTestId("tasks-status").filter({ hasText: new RegExp(`^${fmt(TASKS)} of ${fmt(TASKS)}`) }).waitFor({ timeout: 120_000 });
    const listed = performance.now() - t0;
    const listBlock = await longTasks();
    const listScroll = await scrollFrames(page, '[data-testid="tasks"]', 200);
    row({
      row: `dashboard: ${fmt(TASKS)} tasks listed live (Chromium)`,
      trainyard: `all shown in ${fmt(listed)} ms; main thread blocked ≤ ${fmt(listBlock.longest)} ms; scrolling p95 ${fmt(p95(listScroll))} ms a frame`,
      baseline: `Node client's Watch, nothing rendered: ${fmt(nodeWatch)} ms`,
      ratio: nodeWatch / listed,
    });

    // A log of LINES lines, then its page with the whole log.
    const { task } = await c.client.submit(spec({ command: sh(`seq 1 ${LINES}`) }));
    await c.waitForState(task!.id, TaskState.SUCCEEDED, 300_000);
    t0 = performance.now();
    let lines = 0;
    for await (const f of c.client.followLogs(task!.id, { follow: false })) for (const b of f.data) if (b === 10) lines++;
    const nodeLog = performance.now() - t0;
    expect(lines).toBeGreaterThanOrEqual(LINES);

    const logPage = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await logPage.goto(`${ui}tasks/${task!.id}`);
    await logPage.getByTestId("log-status").filter({ hasText: "ended" }).waitFor({ timeout: 60_000 });
    const logLong = await watchLongTasks(logPage);
    t0 = performance.now();
    await logPage.getByRole("button", { name: "Whole log" }).click();
    const status = logPage.getByTestId("log-status");
    for (const deadline = Date.now() + 300_000; Number(await status.getAttribute("data-lines")) < LINES; ) {
      if (Date.now() > deadline) throw new Error("the whole log did not load within 5 minutes");
      await new Promise((r) => setTimeout(r, 200));
    }
    await logPage.getByTestId("log-status").filter({ hasText: "ended" }).waitFor({ timeout: 60_000 });
    const loaded = performance.now() - t0;
    const logBlock = await logLong();
    const logScroll = await scrollFrames(logPage, '[data-testid="log"]', 200);
    const heap = (await logPage.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")) as number;
    row({
      row: `dashboard: a ${fmt(LINES)}-line log, whole (Chromium)`,
      trainyard: `loaded in ${fmt(loaded)} ms; main thread blocked ≤ ${fmt(logBlock.longest)} ms (${logBlock.count} long tasks); scrolling p95 ${fmt(p95(logScroll))} ms a frame; JS heap ${fmt(heap / 1e6)} MB`,
      baseline: `Node client's StreamLogs, nothing rendered: ${fmt(nodeLog)} ms`,
      ratio: nodeLog / loaded,
    });
  } finally {
    await browser.close();
  }
}, 900_000);
