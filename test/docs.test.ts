// The documentation's relative links resolve: every [text](target) in README.md, docs/**/*.md,
// clients/*/README.md and examples/**/README.md that is not a URL points to a file or directory
// of this checkout, and every #anchor (in the same file or another one) names a heading of the
// target file, slugged as GitHub does. Needs no cluster; reads the files as they are on disk.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("..", import.meta.url));

/** The documentation files, relative to the repository root, sorted. */
function docFiles(root: string): string[] {
  const files: string[] = [];
  const add = (rel: string) => existsSync(path.join(root, rel)) && files.push(rel);
  const walk = (dir: string, keep: (name: string) => boolean) => {
    if (!existsSync(path.join(root, dir))) return;
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".")) walk(rel, keep);
      else if (entry.isFile() && keep(entry.name)) files.push(rel);
    }
  };
  add("README.md");
  walk("docs", (name) => name.endsWith(".md"));
  for (const client of existsSync(path.join(root, "clients")) ? readdirSync(path.join(root, "clients")) : []) {
    add(path.posix.join("clients", client, "README.md"));
  }
  walk("examples", (name) => name === "README.md");
  return files.sort();
}

/** Lines outside fenced code blocks (``` or ~~~): as written, and with inline code spans blanked out. */
function prose(markdown: string): { raw: string; line: string; n: number }[] {
  const out: { raw: string; line: string; n: number }[] = [];
  let fence: string | undefined;
  markdown.split("\n").forEach((line, i) => {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (m) {
      const marker = m[1]!;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ raw: line, line: line.replace(/(`+)[\s\S]*?\1/g, (s) => " ".repeat(s.length)), n: i + 1 });
  });
  return out;
}

/** GitHub's heading slug: the heading's text, lowercased, punctuation but '-' and '_' dropped, spaces to '-'. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/<[^>]+>/g, "") // inline HTML
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M} _-]/gu, "").replace(/ /g, "-");
}

/** The anchors a markdown file offers: its headings' slugs, a repeated one suffixed -1, -2, ... */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { raw } of prose(markdown)) {
    const m = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(raw);
    if (!m) continue;
    const base = slug(m[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count ? `${base}-${count}` : base);
  }
  return out;
}

/** Every inline link or image target outside code, with its line number. */
function links(markdown: string): { target: string; n: number }[] {
  const out: { target: string; n: number }[] = [];
  for (const { line, n } of prose(markdown)) {
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, n });
    const ref = /^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(line);
    if (ref) out.push({ target: ref[1]!, n });
  }
  return out;
}

/** The relative links of `file` (relative to root) that do not resolve, as "file:line: target (why)". */
function brokenLinks(root: string, file: string): string[] {
  const text = readFileSync(path.join(root, file), "utf8");
  const broken: string[] = [];
  for (const { target, n } of links(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:, ...
    const hash = target.indexOf("#");
    const rel = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const dest = rel ? path.resolve(path.dirname(path.join(root, file)), rel) : path.join(root, file);
    const where = `${file}:${n}: ${target}`;
    if (!dest.startsWith(path.resolve(root))) broken.push(`${where} (outside the repository)`);
    else if (!existsSync(dest)) broken.push(`${where} (no such file)`);
    else if (anchor !== undefined) {
      if (statSync(dest).isDirectory() || !dest.endsWith(".md")) broken.push(`${where} (an anchor into a file that is not markdown)`);
      else if (!anchors(readFileSync(dest, "utf8")).has(anchor)) broken.push(`${where} (no heading with that anchor)`);
    }
  }
  return broken;
}

describe("slugs and links", () => {
  it("slug headings as GitHub does", () => {
    expect(slug("A task's life")).toBe("a-tasks-life");
    expect(slug("HTTP/1.1 port")).toBe("http11-port");
    expect(slug("3-node NATS cluster")).toBe("3-node-nats-cluster");
    expect(slug("Examples: training")).toBe("examples-training");
    expect(slug("@trainyard/client and the `trainyard` command line")).toBe("trainyardclient-and-the-trainyard-command-line");
    expect(slug("snake_case and [a link](x.md)")).toBe("snake_case-and-a-link");
    expect(slug("0001. HTTP/1.1 on a second port")).toBe("0001-http11-on-a-second-port");
  });

  it("number repeated headings and ignore headings in code", () => {
    const md = "# Top\n## Usage\n```sh\n# not a heading\n```\n## Usage\n### The `trainyard` CLI\n";
    expect([...anchors(md)]).toEqual(["top", "usage", "usage-1", "the-trainyard-cli"]);
  });

  it("find links outside code only", () => {
    const md = "see [a](a.md#x) and `[b](b.md)`\n```\n[c](c.md)\n```\n[d]: d.md\n";
    expect(links(md).map((l) => l.target)).toEqual(["a.md#x", "d.md"]);
  });
});

describe("documentation links", () => {
  const files = docFiles(repo);

  it("covers the README, docs/, the clients' and the examples' READMEs", () => {
    expect(files).toEqual(expect.arrayContaining(["README.md", "docs/api.md", "clients/ts/README.md", "clients/python/README.md", "examples/train/README.md"]));
    const count = files.reduce((n, f) => n + links(readFileSync(path.join(repo, f), "utf8")).length, 0);
    expect(count).toBeGreaterThan(50);
  });

  it.each(files)("%s: every relative link and anchor resolves", (file) => {
    expect(brokenLinks(repo, file)).toEqual([]);
  });
});
