// Reading what `docker build` reads, for the deployment tests: Dockerfile instructions (with
// line continuations), and .dockerignore patterns (Go filepath.Match syntax plus `**`, `!`
// exceptions, the last matching pattern wins, a path is excluded when it or a parent is).

export interface Instruction {
  op: string;
  args: string;
  /** Stage index (0-based) the instruction belongs to; -1 before the first FROM. */
  stage: number;
}

export function dockerfileInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!pending && (line === "" || line.startsWith("#"))) continue;
    if (line.startsWith("#")) continue; // a comment inside a continued instruction
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    const m = /^(\w+)\s+(.*)$/s.exec(full);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    if (op === "FROM") stage++;
    out.push({ op, args: m[2]!.trim(), stage });
  }
  return out;
}

/** FROM image [AS name] → { image, name }. */
export function fromParts(args: string): { image: string; name?: string } {
  const words = args.split(/\s+/).filter((w) => !w.startsWith("--"));
  const as = words.findIndex((w) => w.toUpperCase() === "AS");
  return as > 0 ? { image: words[0]!, name: words[as + 1]! } : { image: words[0]! };
}

/** COPY/ADD [--flags] src... dest (shell form; the JSON form too). */
export function copyParts(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = args.startsWith("[") ? (JSON.parse(args) as string[]) : args.split(/\s+/).filter(Boolean);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith("--")) {
    const [k, v = ""] = words.shift()!.slice(2).split("=");
    flags[k!] = v;
  }
  const dest = words.pop()!;
  return { flags, sources: words, dest };
}

/** ENV k=v k2="v 2" (and the old `ENV k v` form) → pairs. */
export function envPairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!args.includes("=")) {
    const [k, ...rest] = args.split(/\s+/);
    out[k!] = rest.join(" ");
    return out;
  }
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  }
  return out;
}

export interface IgnoreRule {
  negate: boolean;
  re: RegExp;
}

export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, "").replace(/\/+$/, "");
      return { negate, re: globToRegExp(pattern) };
    });
}

/** Whether `path` (relative to the context, "/"-separated) is left out of the build context. */
export function isIgnored(rules: IgnoreRule[], path: string): boolean {
  const parts = path.replace(/^\.\//, "").split("/").filter(Boolean);
  let ignored = false;
  // A parent directory's exclusion applies to everything under it.
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join("/");
    for (const r of rules) if (r.re.test(p)) ignored = !r.negate;
    if (ignored && i < parts.length) return true;
  }
  return ignored;
}

function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      // "**/" matches any number of directories, including none.
      if (pattern[i + 2] === "/") {
        re += "(?:.*/)?";
        i += 2;
      } else {
        re += ".*";
        i += 1;
      }
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
