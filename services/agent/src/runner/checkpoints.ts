/**
 * TaskSpec.checkpoint on the agent's side.
 *
 *   create ─▶ restore (the record's newest save, into the created container) ─▶ start
 *   running ─▶ save every interval ─▶ exited ─▶ one last save ─▶ remove container ─▶ report
 *
 * A save: the directory as Docker's archive API gives it (a tar), streamed into the checkpoints
 * object store under a name of its own (task, attempt, time), then reported as a "checkpoint"
 * event; the scheduler records it as Task.last_checkpoint only while this attempt holds the task,
 * so a late save of a fenced attempt is never restored. Before each save the agent reads the
 * record and saves nothing once its attempt is no longer the task's current one. Saves never
 * overlap. A failed save is said once (a SYSTEM line and a history note) and the attempt runs on.
 */
import { posix } from "node:path";
import { CheckpointCorruptError, CheckpointMissingError, CheckpointTooLargeError, checkpointName, checkpointSavedText, currentAttempt, isFinal, type TaskRecord } from "@trainyard/common";
import { dirsTar, ownerOf } from "../core/tar-dirs.js";
import { messageOf } from "../runtime/error-message.js";
import type { AttemptContext } from "./run-attempt.js";

/** Puts the task's newest save into the created, not yet started, container. Throws when it cannot (the attempt fails, retried as the infrastructure's failure). */
export async function restoreCheckpoint(c: AttemptContext, id: string): Promise<void> {
  const spec = c.task.spec.checkpoint;
  const last = c.task.lastCheckpoint;
  if (!spec || !last) return;
  const { runtime } = c;
  if (!runtime.putArchive || !runtime.pathExists) throw new Error("this container runtime cannot restore checkpoints");
  const started = performance.now();
  const parent = posix.dirname(spec.path);
  // Missing parents are made first (owned by the task's user); existing ones are left as they are.
  const missing: string[] = [];
  let base = parent;
  while (base !== "/" && !(await runtime.pathExists(id, base))) {
    missing.unshift(base);
    base = posix.dirname(base);
  }
  if (missing.length) {
    const rel = missing.map((d) => posix.relative(base, d));
    await runtime.putArchive(id, base, once(dirsTar(rel, ownerOf(c.task.spec.user))));
  }
  try {
    await runtime.putArchive(id, parent, c.checkpoints.read(checkpointName(c.task.id, last), last.digest));
  } catch (err) {
    // Gone, or not what was recorded: every later attempt would fail the same way, so this one
    // starts without it, and says so. (A half-extracted archive is checked before anything runs:
    // the digest is checked at its end, and this container is replaced.)
    if (!(err instanceof CheckpointMissingError || err instanceof CheckpointCorruptError)) throw err;
    throw new RestoreRefused(last.attempt, messageOf(err));
  }
  c.say({ kind: "checkpoint-restored", fromAttempt: last.attempt, sizeBytes: last.sizeBytes, ms: performance.now() - started, path: spec.path });
}

/** The recorded save cannot be restored (gone, or not the recorded data): the attempt is to start afresh, in a new container. */
export class RestoreRefused extends Error {
  constructor(
    readonly fromAttempt: number,
    readonly reason: string,
  ) {
    super(`checkpoint of attempt ${fromAttempt} not restored: ${reason}`);
  }
}

/** Saves the running container's checkpoint directory every interval, and once more at the end. */
export class CheckpointSaver {
  private readonly stopped = new AbortController();
  private saving: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private failing = false;
  /** No more saves: the attempt is not current any more, or its directory is past the size limit. */
  private done = false;
  private busy = false;

  constructor(
    private readonly c: AttemptContext,
    private readonly containerId: string,
  ) {
    const every = c.task.spec.checkpoint?.intervalMs;
    if (every) this.timer = setInterval(() => this.tick(), every);
  }

  /** The last save, after the container exited (before it is removed). */
  async final(): Promise<void> {
    clearInterval(this.timer);
    await this.saving;
    await this.save();
  }

  /** Stops saving (detach, or the attempt failed); an unfinished save is abandoned. */
  stop(): void {
    clearInterval(this.timer);
    this.stopped.abort();
  }

  /** A tick while a save runs is skipped: saves never queue up behind a slow one. */
  private tick(): void {
    if (this.busy) return;
    this.busy = true;
    this.saving = this.save().finally(() => (this.busy = false));
  }

  private async save(): Promise<void> {
    const { c } = this;
    const spec = c.task.spec.checkpoint;
    if (!spec || this.done || this.stopped.signal.aborted) return;
    const { runtime, task, attempt, nodeId } = c;
    const time = Date.now();
    try {
      if (!runtime.getArchive) throw new Error("this container runtime cannot save checkpoints");
      if (!holds(await c.records.task(task.id), attempt, nodeId)) {
        this.done = true;
        c.logger.info("no longer the task's current attempt: no more checkpoint saves");
        return;
      }
      const tar = await runtime.getArchive(this.containerId, spec.path, this.stopped.signal);
      if (!tar) return; // nothing there yet
      const started = performance.now();
      const { sizeBytes, digest } = await c.checkpoints.put(checkpointName(task.id, { attempt, time }), tar, this.stopped.signal);
      await c.report({ type: "checkpoint", taskId: task.id, attempt, nodeId, time, sizeBytes, digest });
      c.log.system(checkpointSavedText(sizeBytes, spec.path, performance.now() - started));
      this.failing = false;
    } catch (err) {
      if (this.stopped.signal.aborted) return;
      if (err instanceof CheckpointTooLargeError) this.done = true; // every later save would be as large: no more tries
      c.logger.warn({ err }, "checkpoint not saved");
      if (!this.failing) c.say({ kind: "checkpoint-not-saved", error: messageOf(err) });
      this.failing = true;
    }
  }
}

/** Does the record still give `attempt` to this node, not ended? */
function holds(task: TaskRecord | null, attempt: number, nodeId: string): boolean {
  if (!task) return false;
  const cur = currentAttempt(task);
  return cur.number === attempt && !isFinal(cur.state) && (cur.nodeId ?? nodeId) === nodeId;
}

async function* once(b: Buffer): AsyncGenerator<Uint8Array> {
  yield b;
}
