/**
 * A tar archive of empty directories (ustar headers only): how the agent creates the missing
 * parents of a checkpoint path in a created container, through Docker's archive API, before it
 * puts the save there. Pure.
 */
const BLOCK = 512;

/** `dirs` relative ("a", "a/b"), parents first; owned by `uid`:`gid`, mode 0755. */
export function dirsTar(dirs: readonly string[], owner: { uid: number; gid: number }, mtimeSec = Math.floor(Date.now() / 1000)): Buffer {
  return Buffer.concat([...dirs.map((d) => tarHeader(`${d}/`, { ...owner, type: "5", mode: 0o755, size: 0, mtimeSec })), Buffer.alloc(2 * BLOCK)]);
}

/** One ustar header: a directory ("5", `path` ending in "/") or a regular file ("0", `size` bytes of data to follow). */
export function tarHeader(path: string, o: { type: "0" | "5"; mode: number; size: number; uid: number; gid: number; mtimeSec: number }): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitName(path);
  h.write(name, 0, 100, "utf8");
  octal(h, 100, 8, o.mode);
  octal(h, 108, 8, o.uid);
  octal(h, 116, 8, o.gid);
  octal(h, 124, 12, o.size);
  octal(h, 136, 12, o.mtimeSec);
  h.write(o.type, 156);
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  h.write(prefix, 345, 155, "utf8");
  h.fill(" ", 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return h;
}

/** ustar's name (100 bytes) and prefix (155), split at a "/"; throws when the path cannot fit. */
function splitName(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ["", path];
  for (let i = path.indexOf("/"); i > 0; i = path.indexOf("/", i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`the directory ${path} is too long to create (ustar: 255 bytes)`);
}

/** A numeric field: octal digits and a NUL, or (too large for them, as uids past 2,097,151) GNU base-256. */
function octal(h: Buffer, at: number, len: number, v: number): void {
  if (v < 8 ** (len - 1)) {
    h.write(`${v.toString(8).padStart(len - 1, "0")}\0`, at, "latin1");
    return;
  }
  h.fill(0, at, at + len);
  for (let i = len - 1, x = v; i > 0 && x > 0; i--, x = Math.floor(x / 256)) h[at + i] = x % 256;
  h[at] = 0x80;
}

/** "uid" or "uid:gid" (TaskSpec.user) as numbers; root when unset. */
export function ownerOf(user: string | undefined): { uid: number; gid: number } {
  const [uid, gid] = (user ?? "0").split(":").map(Number);
  return { uid: uid ?? 0, gid: gid ?? uid ?? 0 };
}
