// Debian's Chromium driven by playwright-core (no browser download): headless, no sandbox (root),
// no background networking (this machine's network is closed). One browser per test file.
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.TRAINYARD_CHROMIUM ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

/** Every line of the log view as "<stream> <text>", read by scrolling its rendered window through the list. */
export async function logLines(page: Page): Promise<string[]> {
  // Runs in the page (a string: the tests are not compiled with DOM types).
  return page.evaluate(`(async () => {
    const box = document.querySelector('[data-testid="log"]');
    const seen = new Map();
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    box.scrollTop = 0;
    await frame();
    for (;;) {
      for (const el of box.querySelectorAll("[data-i]")) {
        const gutter = el.querySelector(".gutter").textContent.length;
        seen.set(Number(el.dataset.i), el.dataset.stream + " " + el.textContent.slice(gutter));
      }
      if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) break;
      box.scrollTop += box.clientHeight;
      await frame();
    }
    return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => l);
  })()`);
}
