/**
 * The web dashboard's files on the HTTP/1.1 port, under /ui/ (services/scheduler/ui, built by
 * `npm run build` into dist/ui/app, next to this file's compiled form). Read once at start-up into memory (a few hundred
 * KB), so no request reaches the disk and no path can walk out of the directory. /ui/assets/*
 * are content-hashed: cached for a year; every other /ui/ path is the app (index.html, not
 * cached), which routes on the client. Every answer carries a strict Content-Security-Policy:
 * only this origin's scripts, styles and API.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import type http from "node:http";
import path from "node:path";

export const UI_PREFIX = "/ui/";

export const UI_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
} as const;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

interface File {
  body: Buffer;
  type: string;
}

/** Serves `dir` (the built dashboard) under /ui/; answers nothing else (returns false). */
export function uiPages(dir: string): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const files = readAll(dir);
  const index = files.get("index.html");
  return (req, res) => {
    const url = (req.url ?? "").split("?")[0]!;
    if (url !== "/ui" && !url.startsWith(UI_PREFIX) && url !== "/") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", ...UI_HEADERS }).end();
      return true;
    }
    if (url === "/" || url === "/ui") {
      res.writeHead(302, { location: UI_PREFIX, ...UI_HEADERS }).end();
      return true;
    }
    if (!index) {
      res.writeHead(503, { "content-type": "text/plain", ...UI_HEADERS }).end("the web dashboard is not built: npm run build\n");
      return true;
    }
    const rel = url.slice(UI_PREFIX.length);
    const asset = rel.startsWith("assets/") ? files.get(rel) : undefined;
    if (rel.startsWith("assets/") && !asset) {
      res.writeHead(404, { "content-type": "text/plain", ...UI_HEADERS }).end("not found\n");
      return true;
    }
    const f = asset ?? files.get(rel) ?? index;
    const cache = asset ? "public, max-age=31536000, immutable" : "no-cache";
    res.writeHead(200, { "content-type": f.type, "content-length": f.body.length, "cache-control": cache, ...UI_HEADERS });
    res.end(req.method === "HEAD" ? undefined : f.body);
    return true;
  };
}

function readAll(dir: string): Map<string, File> {
  const files = new Map<string, File>();
  if (!existsSync(dir)) return files;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(path.relative(dir, full).split(path.sep).join("/"), { body: readFileSync(full), type: TYPES[path.extname(name)] ?? "application/octet-stream" });
    }
  };
  walk(dir);
  return files;
}
