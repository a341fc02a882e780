/**
 * `trainyard checkpoint ID -o DIR | -o -`: the task's newest checkpoint, unpacked into DIR all or
 * nothing (untar.ts), or its tar archive as it comes on stdout.
 *
 * ABORTED (a newer save replaced the one being read) is downloaded once more, from the start:
 * into DIR always, to stdout only while nothing was written yet. DATA_LOSS and every other error
 * go to main.ts (exit 1), with nothing kept in DIR; on stdout, what was written is not the save,
 * and the exit code says so. The summary names the save whose digest matches the bytes received:
 * the record read before the download, else the one read after it (a newer save may have come
 * in between).
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CheckpointInfo } from "../gen/trainyard/v1/task_pb.js";
import type { Context } from "./commands.js";
import { checkpointSummary } from "./format.js";
import { UsageError } from "./parse.js";
import { EntryExistsError, exists, unpackInto } from "./untar.js";

export interface CheckpointFlags {
  /** A directory, or "-" for stdout. */
  output: string;
}

/** How many times an ABORTED download is started again. */
const ABORTED_RETRIES = 1;

export async function checkpoint(c: Context, id: string, o: CheckpointFlags): Promise<number> {
  const toStdout = o.output === "-";
  if (toStdout && c.term.stdoutTty) throw new UsageError("-o -: refusing to write a tar archive to a terminal; redirect it (> ckpt.tar) or unpack it with -o DIR");
  const before = (await c.client.get({ taskId: id }, { signal: c.signal })).task;
  const saved = before?.spec?.checkpoint?.path;
  if (!toStdout && saved && (await exists(path.join(o.output, path.posix.basename(saved))))) {
    throw new UsageError(`-o: ${path.join(o.output, path.posix.basename(saved))} already exists; remove it, or unpack elsewhere`);
  }

  let got: Received;
  let placed: string[] = [];
  for (let retry = 0; ; retry++) {
    got = { bytes: 0, sha: createHash("sha256"), written: false };
    const pieces = counted(c.client.checkpointArchive(id, { signal: c.signal }), got);
    try {
      if (toStdout) {
        for await (const piece of pieces) {
          got.written = true;
          await c.term.out(piece);
        }
      } else {
        placed = await unpackInto(o.output, async (sink) => {
          for await (const piece of pieces) await sink.write(piece);
        });
      }
      break;
    } catch (e) {
      if (e instanceof EntryExistsError) throw new UsageError(`-o: ${e.message}; remove it, or unpack elsewhere`);
      const again = e instanceof ConnectError && e.code === Code.Aborted && !got.written && retry < ABORTED_RETRIES;
      if (!again) throw e;
      await c.term.err(`[trainyard] a newer checkpoint of ${id} replaced the one being downloaded; downloading it\n`);
    }
  }

  const digest = `SHA-256=${got.sha.digest("base64").replace(/\+/g, "-").replace(/\//g, "_")}`;
  let info: CheckpointInfo | undefined = before?.lastCheckpoint;
  if (info?.digest !== digest) info = (await c.client.get({ taskId: id }, { signal: c.signal })).task?.lastCheckpoint;
  await c.term.err(`${checkpointSummary(id, info?.digest === digest ? info : undefined, got.bytes, toStdout ? "stdout" : placed.join(", "), c.now())}\n`);
  return 0;
}

interface Received {
  bytes: number;
  sha: ReturnType<typeof createHash>;
  /** Whether any byte went to stdout (then a retry would repeat it). */
  written: boolean;
}

async function* counted(pieces: AsyncIterable<Uint8Array>, got: Received): AsyncGenerator<Uint8Array> {
  for await (const p of pieces) {
    got.bytes += p.length;
    got.sha.update(p);
    yield p;
  }
}
