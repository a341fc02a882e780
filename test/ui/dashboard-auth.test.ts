// The web dashboard with auth on (TRAINYARD_AUTH_FILE), in Debian's Chromium: it asks for a token
// once and keeps it while the tab is open (sessionStorage: a reload does not ask again, a new tab
// does); a wrong token is refused; the API's permissions show: a viewer sees no cancel button and
// no submit form, a submitter submits from the form and may cancel but sees no drain, an admin
// drains a node and undoes it; each sees only its namespace.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTrainyardClient } from "@trainyard/client";
import { launchBrowser } from "../harness/browser.js";
import { freePort, startCluster, type TestCluster } from "../harness/cluster.js";
import { sh, spec } from "../harness/tasks.js";

const T = { alice: "alice-ui-token-0123456789", carol: "carol-ui-token-0123456789", ops: "ops-ui-token-0123456789xx" };
const authFile = path.join(mkdtempSync(path.join(os.tmpdir(), "ty-ui-auth-")), "auth.yaml");
writeFileSync(
  authFile,
  `tokens:
  - { name: alice, token: "${T.alice}", role: submitter, namespace: team-a }
  - { name: carol, token: "${T.carol}", role: viewer, namespace: team-a }
  - { name: ops, token: "${T.ops}", role: admin, namespace: "*" }
`,
);
const env = { TRAINYARD_AUTH_FILE: authFile };

let c: TestCluster;
let browser: Browser;
let ui: string;

beforeAll(async () => {
  const httpAddress = `127.0.0.1:${await freePort()}`;
  c = await startCluster("ui-auth", { schedulerEnv: env, schedulerHttpAddress: httpAddress, agents: [{ env }], token: T.ops });
  ui = `http://${httpAddress}/ui/`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await c?.stop();
});

async function signIn(ctx: BrowserContext, token: string, url = ui): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(url);
  await page.locator('input[name="token"]').fill(token);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId("who").waitFor();
  return page;
}

describe("web dashboard with auth on", () => {
  it("asks for a token once and keeps it while the tab is open; a wrong one is refused", async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(ui);
    await page.locator('input[name="token"]').fill("not-a-token-of-ours-at-all");
    await page.locator('button[type="submit"]').click();
    await page.getByText("that token was not accepted").waitFor();
    await page.locator('input[name="token"]').fill(T.carol);
    await page.locator('button[type="submit"]').click();
    expect(await page.getByTestId("who").textContent()).toMatch(/carol · viewer · team-a/);
    await page.reload();
    await page.getByTestId("who").waitFor();
    expect(await page.evaluate("sessionStorage.getItem('trainyard.token')")).toBe(T.carol);
    expect(await page.evaluate("localStorage.length")).toBe(0);
    const other = await ctx.newPage(); // sessionStorage is per tab
    await other.goto(ui);
    await other.locator('input[name="token"]').waitFor();
    await ctx.close();
  });

  it("a viewer sees its namespace's tasks but no submit form and no cancel button", async () => {
    const asAlice = createTrainyardClient({ baseUrl: c.scheduler.url, token: T.alice });
    const alice = (await asAlice.submit(spec({ command: sh("sleep 30"), graceMs: 500, labels: { who: "alice" } }))).task!;
    const other = (await c.client.submit(spec({ command: sh("true") }))).task!; // ops: namespace default
    const ctx = await browser.newContext();
    const page = await signIn(ctx, T.carol);
    await page.locator(`[data-task="${alice.id}"]`).waitFor();
    expect(await page.locator(`[data-task="${other.id}"]`).count()).toBe(0);
    expect(await page.getByTestId("open-submit").count()).toBe(0);
    await page.locator(`[data-task="${alice.id}"] a`).click();
    await page.getByTestId("task-state").waitFor();
    expect(await page.getByTestId("cancel").count()).toBe(0);
    await ctx.close();
    await c.client.cancel({ taskId: alice.id });
  });

  it("a submitter submits from the form, lands on the task's page and may cancel it; it sees no drain", async () => {
    const ctx = await browser.newContext();
    const page = await signIn(ctx, T.alice);
    await page.getByTestId("open-submit").click();
    await page.locator('input[name="image"]').fill("trainyard/busybox:test");
    await page.locator('input[name="command"]').fill("echo from the form; sleep 60");
    await page.locator('input[name="labels"]').fill("via=ui");
    await page.locator('form.submit button[type="submit"]').click();
    await page.waitForURL(/\/ui\/tasks\/t-/);
    const id = decodeURIComponent(page.url().split("/").pop()!);
    const t = (await c.client.get({ taskId: id })).task!;
    expect(t).toMatchObject({ namespace: "team-a", createdBy: "alice" });
    expect(t.spec!.labels).toEqual({ via: "ui" });
    await page.getByTestId("task-state").filter({ hasText: "RUNNING" }).waitFor({ timeout: 30_000 });
    await page.getByTestId("cancel").click();
    await page.getByTestId("task-state").filter({ hasText: "CANCELLED" }).waitFor({ timeout: 30_000 });
    await page.goto(`${ui}nodes`);
    await page.locator("[data-node]").first().waitFor();
    expect(await page.locator('[data-testid^="drain-"]').count()).toBe(0);
    await ctx.close();
  });

  it("an admin drains a node from the nodes page and undoes it", async () => {
    const node = c.agents[0]!.nodeId;
    const ctx = await browser.newContext();
    const page = await signIn(ctx, T.ops, `${ui}nodes`);
    await page.getByTestId(`drain-${node}`).click();
    await page.getByTestId(`undrain-${node}`).waitFor({ timeout: 10_000 });
    expect((await c.client.listNodes({})).nodes.find((n) => n.id === node)!.draining).toBe(true);
    await page.getByTestId(`undrain-${node}`).click();
    await page.getByTestId(`drain-${node}`).waitFor({ timeout: 10_000 });
    expect((await c.client.listNodes({})).nodes.find((n) => n.id === node)!.draining).toBe(false);
    await ctx.close();
  });
});
