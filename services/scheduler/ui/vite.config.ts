// The web dashboard's build (npm run build): services/scheduler/ui → services/scheduler/dist/ui/app,
// served by the scheduler under /ui/ (src/ui/pages.ts). Preact through the automatic JSX runtime;
// no inline scripts or styles, so the page runs under a strict Content-Security-Policy.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/ui/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/ui/app", import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: "es2022",
    sourcemap: false,
  },
});
