/**
 * Unpacking a tar stream with the system's `tar`, all or nothing: the archive goes into a scratch
 * directory inside the destination, and its top entries are moved into the destination only once
 * the whole stream arrived and tar exited 0. A download that fails part-way (DATA_LOSS, which may
 * come after the last piece; ABORTED; Ctrl-C) or a tar that fails leaves nothing behind but the
 * destination directory itself. An entry that already exists there is never replaced.
 *
 * What stays inside the destination is tar's own default (GNU tar and bsdtar alike): a leading
 * "/" is stripped, a member whose path climbs out with ".." is refused (tar exits non-zero, so
 * nothing is kept), and symbolic links are not followed while unpacking. `--no-same-owner`: the
 * files belong to whoever runs the command, even root, not to the container's uids.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { lstat, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";

/** tar could not run, or exited with a non-zero code (its stderr in the message). */
export class TarError extends Error {
  override name = "TarError";
}

/** An entry of the archive is already in the destination. */
export class EntryExistsError extends Error {
  override name = "EntryExistsError";
  constructor(readonly paths: string[]) {
    super(`${paths.join(", ")} already exist${paths.length === 1 ? "s" : ""}`);
  }
}

/** Where the archive's bytes go, in order. */
export interface TarSink {
  /** Resolves once tar took the piece (back-pressure); throws TarError once tar has failed. */
  write(piece: Uint8Array): Promise<void>;
}

/**
 * Unpacks what `feed` writes into `dir` (created if missing) and returns the paths of the entries
 * it placed there (one for a checkpoint: its directory under its base name). Throws what `feed`
 * throws, TarError, or EntryExistsError; in every case the scratch directory is removed.
 */
export async function unpackInto(dir: string, feed: (sink: TarSink) => Promise<void>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const scratch = await mkdtemp(path.join(dir, ".trainyard-unpack-"));
  try {
    const tar = startTar(scratch);
    try {
      await feed(tar);
      await tar.end();
    } finally {
      await tar.stop();
    }
    const entries = await readdir(scratch);
    const taken = (await Promise.all(entries.map(async (e) => ((await exists(path.join(dir, e))) ? path.join(dir, e) : undefined)))).filter((p) => p !== undefined);
    if (taken.length > 0) throw new EntryExistsError(taken);
    for (const e of entries) await rename(path.join(scratch, e), path.join(dir, e));
    return entries.map((e) => path.join(dir, e));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return false;
      throw e;
    },
  );
}

/**
 * `tar -x -f - -C dir` with its stdin as the sink. Once tar exited 0 (it read the end-of-archive
 * marker) later pieces are dropped, so the caller still reads its download to the end, where a
 * DATA_LOSS would come. `stop()` kills a tar still running; both it and `end()` may run twice.
 */
function startTar(dir: string): TarSink & { end(): Promise<void>; stop(): Promise<void> } {
  const tar = spawn("tar", ["-x", "--no-same-owner", "-f", "-", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  tar.stderr.setEncoding("utf8").on("data", (s: string) => (stderr = (stderr + s).slice(-4_000)));
  // EPIPE when tar stops reading early: its exit code is what counts.
  tar.stdin.on("error", () => {});
  let failure: TarError | undefined;
  let done = false;
  const exited = new Promise<void>((resolve) => {
    tar.once("error", (e) => {
      failure ??= new TarError(`cannot run tar: ${e.message}`);
      done = true;
      resolve();
    });
    tar.once("close", (code, signal) => {
      if (code !== 0) failure ??= new TarError(`tar exited with ${code ?? signal}${stderr.trim() ? `: ${stderr.trim()}` : ""}`);
      done = true;
      resolve();
    });
  });
  return {
    async write(piece) {
      if (failure) throw failure;
      if (done) return;
      if (!tar.stdin.write(piece)) await Promise.race([once(tar.stdin, "drain"), exited]);
      if (failure) throw failure;
    },
    async end() {
      tar.stdin.end();
      await exited;
      if (failure) throw failure;
    },
    async stop() {
      if (!done) tar.kill("SIGKILL");
      await exited;
    },
  };
}
