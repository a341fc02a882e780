// The web dashboard (/ui/ on the scheduler's HTTP/1.1 port) in Debian's Chromium, headless, on a
// real nats-server and Docker: a task submitted from the CLI appears within a second; its page
// follows the log to the end (streams told apart, ANSI colours rendered); a scheduler restart in
// the middle of a follow leaves no gap and no duplicate; cancel works; the nodes page shows a
// declared GPU held by a running task. The page is served under a strict CSP, and nothing it
// does is refused by it. Screenshots go to docs/images when TRAINYARD_SCREENSHOTS=1.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskState } from "@trainyard/client";
import { launchBrowser, logLines } from "../harness/browser.js";
import { freePort, startCluster, type TestCluster } from "../harness/cluster.js";
import { sh, spec } from "../harness/tasks.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const CLI = path.join(repo, "clients/ts/dist/cli/main.js");
const SHOTS = process.env.TRAINYARD_SCREENSHOTS === "1" ? path.join(repo, "docs/images") : undefined;

let c: TestCluster;
let browser: Browser;
let address: string;
let httpAddress: string;
let ui: string;
const cspErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(path.join(repo, "services/scheduler/dist/ui/app/index.html"))) throw new Error("the dashboard is not built: npm run build");
  address = `127.0.0.1:${await freePort()}`;
  httpAddress = `127.0.0.1:${await freePort()}`;
  c = await startCluster("ui", {
    schedulerAddress: address,
    schedulerHttpAddress: httpAddress,
    agents: [{ slots: 4, env: { TRAINYARD_AGENT_GPU_IDS: "0,1", TRAINYARD_AGENT_GPU_MODE: "env" } }],
  });
  ui = `http://${httpAddress}/ui/`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await c?.stop();
});

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("console", (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
  });
  await page.goto(url);
  return page;
}

function trainyard(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TRAINYARD_ADDR: address, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("close", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`trainyard ${args.join(" ")}: exit ${code}: ${err}`))));
  });
}

describe("web dashboard", () => {
  it("serves /ui/ with a strict Content-Security-Policy; other paths under /ui/ are the app, a missing asset is 404", async () => {
    const res = await fetch(ui);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(await res.text()).toMatch(/<script type="module" crossorigin src="\/ui\/assets\/index-[\w-]+\.js">/);
    expect((await fetch(`${ui}tasks/t-whatever`)).status).toBe(200);
    expect((await fetch(`${ui}assets/nope.js`)).status).toBe(404);
    expect((await fetch(`http://${httpAddress}/`, { redirect: "manual" })).headers.get("location")).toBe("/ui/");
  });

  it("a task submitted from the CLI appears in the live table within a second", async () => {
    const page = await open(ui);
    // Once a first task has come through, the page's Watch is open: then the CLI's is timed.
    const { task: first } = await c.client.submit(spec({ command: sh("true") }));
    await page.locator(`[data-task="${first!.id}"]`).waitFor({ timeout: 10_000 });
    const id = await trainyard(["submit", "--image", "trainyard/busybox:test", "--label", "from=cli", "--", "sh", "-c", "sleep 1"]);
    const submitted = Date.now();
    await page.locator(`[data-task="${id}"]`).waitFor({ timeout: 5_000 });
    const took = Date.now() - submitted;
    console.log(`dashboard: the CLI's task listed ${took} ms after submit returned`);
    expect(took).toBeLessThan(1_000);
    await page.getByTestId("label-filter").fill("from=cli");
    await expect.poll(() => page.locator("[data-task]").count()).toBe(1);
    await page.close();
  });

  it("a task's page follows its log to the end: stdout, stderr and Trainyard's lines apart, ANSI colours rendered", async () => {
    const script = 'for i in $(seq 1 200); do echo "line $i"; [ $((i % 50)) = 0 ] && echo "warn $i" >&2; sleep 0.01; done; printf "\\033[31mred\\033[0m plain\\n"';
    const { task } = await c.client.submit(spec({ command: sh(script) }));
    const page = await open(`${ui}tasks/${task!.id}`);
    await page.getByTestId("task-state").filter({ hasText: "SUCCEEDED" }).waitFor({ timeout: 30_000 });
    await page.getByTestId("log-status").filter({ hasText: "ended" }).waitFor({ timeout: 15_000 });
    const lines = await logLines(page);
    expect(lines.filter((l) => l.startsWith("stdout line ")).map((l) => l.slice(7))).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i + 1}`));
    expect(lines.filter((l) => l.startsWith("stderr "))).toEqual(["stderr warn 50", "stderr warn 100", "stderr warn 150", "stderr warn 200"]);
    expect(lines.some((l) => l.startsWith("system ") && l.includes("exited with code 0"))).toBe(true);
    expect(lines).toContain("stdout red plain");
    const red = page.locator('[data-stream="stdout"] span', { hasText: /^red$/ });
    expect(await red.evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(e).color)).toBe("rgb(205, 49, 49)");
    expect(await page.getByTestId("attempts").textContent()).toMatch(/SUCCEEDED/);
    await expect.poll(async () => (await page.getByTestId("events").textContent()) ?? "").toMatch(/succeeded/);
    expect(await page.getByTestId("cancel").count()).toBe(0);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, "dashboard-task.png") });
    await page.close();
  });

  it("a scheduler restart in the middle of a follow: the page resumes with no gap and no duplicate", async () => {
    const { task } = await c.client.submit(spec({ command: sh('for i in $(seq 1 80); do echo "n $i"; sleep 0.1; done') }));
    const page = await open(`${ui}tasks/${task!.id}`);
    await expect.poll(async () => Number(await page.getByTestId("log-status").getAttribute("data-lines")), { timeout: 30_000 }).toBeGreaterThan(15);
    await c.scheduler.close();
    await new Promise((r) => setTimeout(r, 1_000));
    c.scheduler = await c.startScheduler(address, httpAddress);
    await page.getByTestId("task-state").filter({ hasText: "SUCCEEDED" }).waitFor({ timeout: 60_000 });
    await page.getByTestId("log-status").filter({ hasText: "ended" }).waitFor({ timeout: 30_000 });
    const out = (await logLines(page)).filter((l) => l.startsWith("stdout "));
    expect(out).toEqual(Array.from({ length: 80 }, (_, i) => `stdout n ${i + 1}`));
    await page.close();
  });

  it("cancel from the task's page stops a running task: CANCELLED", async () => {
    const { task } = await c.client.submit(spec({ command: sh("echo started; sleep 600"), graceMs: 1_000 }));
    await c.waitForState(task!.id, TaskState.RUNNING);
    const page = await open(`${ui}tasks/${task!.id}`);
    await page.getByTestId("cancel").click();
    await page.getByTestId("task-state").filter({ hasText: "CANCELLED" }).waitFor({ timeout: 30_000 });
    expect((await c.client.get({ taskId: task!.id })).task!.state).toBe(TaskState.CANCELLED);
    expect(await page.getByTestId("cancel").count()).toBe(0);
    await page.close();
  });

  it("the nodes page shows a declared GPU held by a running task, linked to its page", async () => {
    const { task } = await c.client.submit(spec({ command: sh("sleep 30"), gpus: 1, graceMs: 1_000 }));
    const running = await c.waitForState(task!.id, TaskState.RUNNING);
    const gpu = running.attempts[0]!.gpuIds[0]!;
    const page = await open(`${ui}nodes`);
    const holder = page.locator(`[data-gpu="${gpu}"] a`);
    await expect.poll(() => holder.textContent(), { timeout: 10_000 }).toBe(task!.id);
    expect(await page.locator(`[data-gpu]`).count()).toBe(2);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, "dashboard-nodes.png") });
    await holder.click();
    await page.waitForURL(`**/ui/tasks/${task!.id}`);
    if (SHOTS) {
      // The table with every task of this suite, the GPU task still running.
      await page.goto(ui);
      await page.locator(`[data-task="${task!.id}"]`).waitFor();
      await page.screenshot({ path: path.join(SHOTS, "dashboard-tasks.png") });
    }
    await c.client.cancel({ taskId: task!.id });
    await page.close();
  });

  it("nothing the pages did was refused by the Content-Security-Policy", () => {
    expect(cspErrors).toEqual([]);
  });
});
