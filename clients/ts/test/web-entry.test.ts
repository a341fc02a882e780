/** `@trainyard/client/web` must load in a browser: nothing it imports, directly or not, is Node-only. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

function importGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.includes(file)) return;
    files.push(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(path.join(SRC, entry));
  return { files, packages };
}

describe("@trainyard/client/web", () => {
  it("imports no node: module and not connect-node", () => {
    const { files, packages } = importGraph("web.ts");
    expect(files.map((f) => path.relative(SRC, f))).toEqual(expect.arrayContaining(["web.ts", "trainyard-client.ts", "follow-logs.ts", "backoff.ts"]));
    const nodeOnly = [...packages].filter((p) => p.startsWith("node:") || p === "@connectrpc/connect-node");
    expect(nodeOnly).toEqual([]);
    expect(packages.has("@connectrpc/connect-web")).toBe(true);
  });

  it("the Node entry is where connect-node comes in (the check above would see it)", () => {
    expect(importGraph("index.ts").packages.has("@connectrpc/connect-node")).toBe(true);
  });
});
