import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { formatBytes } from "@trainyard/client/units";
import { attemptLogSubject, frameHeaders, retry, type StreamName } from "@trainyard/common";
import { advance, formatPosition, parsePosition, type LogPosition } from "../core/log-position.js";
import { FrameBatcher } from "./frame-batcher.js";
import { LocalLog } from "./local-log.js";
import { RotatingFile } from "./rotating-file.js";

const BACKOFF = { initialMs: 100, maxMs: 5_000 };

export interface AttemptLogOptions {
  js: JetStreamClient;
  taskId: string;
  attempt: number;
  /** This agent: its frames go on its own subject. */
  nodeId: string;
  /** TRAINYARD_LOG_DIR/<task>/attempt-<n>.log, rotated at fileMaxBytes × fileKeep. */
  filePath: string;
  fileMaxBytes: number;
  fileKeep: number;
  /** Bytes of frames held before back-pressure, or dropping while NATS is unreachable (FrameBatcher). */
  bufferBytes?: number;
  /**
   * Container output published at most (TRAINYARD_ATTEMPT_LOG_MAX_BYTES); past it the output
   * goes to the file and the local tail only, and one SYSTEM line says so. Unset: no limit.
   */
  maxPublishedBytes?: number;
  logger: Logger;
  /** Aborts publishing retries (agent shutdown); frames not yet out are then lost. */
  signal: AbortSignal;
  /** Told the size of each frame once it is stored (metrics). */
  onPublished?: (bytes: number) => void;
  /** Where an earlier run of this agent left this attempt's log (re-attach after a restart). */
  from?: { frame: number; resume?: string };
}

/**
 * Everything one attempt writes: container output and Trainyard's SYSTEM lines, in order,
 * to three places: the LOGS stream (coalesced frames on trainyard.logs.<task>.<attempt>.<node>,
 * published one at a time with message ids "<task>:<attempt>:<n>" so a retried publish is
 * stored once, each carrying n and where the container output shipped so far ends, per stream
 * (core/log-position.ts), from which a restarted agent resumes), the local rotating file, and the in-memory
 * tail that AgentService.StreamLogs serves.
 * write() applies back-pressure; close() flushes everything and returns when all is stored.
 */
export class AttemptLog {
  private readonly batcher: FrameBatcher;
  private readonly file: RotatingFile;
  readonly local: LocalLog;
  private readonly publishing: Promise<void>;
  private published: number;
  private dropped = 0;
  /** Container output handed to the publisher so far (this run of the agent). */
  private outputBytes = 0;
  private overQuota = false;
  /** Where the container output published so far ends (the resume point a restarted agent reads). */
  private position: LogPosition;
  private closed?: Promise<void>;

  constructor(private readonly o: AttemptLogOptions) {
    this.batcher = new FrameBatcher(undefined, o.bufferBytes);
    this.file = new RotatingFile(o.filePath, o.fileMaxBytes, o.fileKeep);
    this.local = new LocalLog(o.attempt);
    this.published = o.from?.frame ?? 0;
    this.position = parsePosition(o.from?.resume);
    this.publishing = this.publishLoop();
  }

  /**
   * Takes one entry. Returns a promise only when a queue is full: the caller awaits it before
   * writing more (back-pressure). `stamp` is the engine's timestamp text, used in the file.
   * `mark`: where the container's output stands once this entry is shipped (log-position.ts),
   * counting what is dropped or over the quota too; the frame that ends with it carries it.
   * Without one, the position is worked out from the entries published (stamps and counts).
   */
  write(stream: StreamName, time: number, data: Buffer, stamp?: string, mark?: LogPosition): Promise<unknown> | undefined {
    this.local.append(stream, time, data);
    const fileWrite = this.file.write(fileLines(stamp ?? new Date(time).toISOString(), stream, data));
    const queued = this.publishes(stream, data) ? this.batcher.push(stream, time, data, stamp, mark) : undefined;
    return fileWrite || queued ? Promise.all([fileWrite, queued]) : undefined;
  }

  /**
   * Is this entry published? SYSTEM lines always; container output until the quota is reached.
   * Of the entry that reaches it, the whole lines that fit are (an entry of the attach stream
   * holds many), in a frame whose position is counted from what it holds.
   */
  private publishes(stream: StreamName, data: Buffer): boolean {
    const max = this.o.maxPublishedBytes;
    if (stream === "system" || max === undefined) return true;
    if (!this.overQuota && this.outputBytes + data.length <= max) {
      this.outputBytes += data.length;
      return true;
    }
    const room = this.overQuota ? 0 : max - this.outputBytes;
    const fits = room > 0 ? data.lastIndexOf(10, room - 1) + 1 : 0;
    this.outputBytes += fits;
    if (!this.overQuota) {
      this.overQuota = true;
      this.o.logger.warn({ publishedBytes: this.outputBytes, maxBytes: max, file: this.o.filePath }, "attempt output past its quota: no longer published");
      if (fits) this.batcher.push(stream, Date.now(), data.subarray(0, fits));
      this.batcher.push("system", Date.now(), Buffer.from(`${logQuotaText(this.outputBytes, max, this.o.filePath, this.o.nodeId)}\n`));
    }
    return false;
  }

  /** A SYSTEM line. Never waits on back-pressure: the stop path must not block on NATS. */
  system(text: string, time = Date.now()): void {
    void this.write("system", time, Buffer.from(`${text}\n`));
  }

  /** Frames published so far. */
  get framesPublished(): number {
    return this.published;
  }

  /** Bytes given up on at shutdown because NATS did not take them (see AttemptLogOptions.signal). */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** Flushes: every frame published, file closed. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.batcher.end();
      await this.publishing;
      const gap = this.batcher.gapTotal;
      if (gap.bytes) this.o.logger.warn(gap, "output dropped while NATS was unreachable (a SYSTEM line in the log says so)");
      await this.file.close().catch((err) => this.o.logger.error({ err }, "attempt log file not closed cleanly"));
      if (this.file.lastError) this.o.logger.error({ err: this.file.lastError, path: this.o.filePath }, "attempt log file incomplete: a write failed");
      this.local.end();
    })();
    return this.closed;
  }

  private async publishLoop(): Promise<void> {
    const { js, taskId, attempt, nodeId, logger, signal } = this.o;
    for (let f = await this.batcher.take(); f; f = await this.batcher.take()) {
      const n = this.published + 1;
      const position = f.stream === "system" ? this.position : (f.mark ?? advance(this.position, f.stream, f.data, f.lastStamp));
      const resume = formatPosition(position);
      const publish = () =>
        js.publish(attemptLogSubject(taskId, attempt, nodeId), f.data, {
          headers: frameHeaders(attempt, f.stream, f.time, resume ? { frame: n, resume } : { frame: n }),
          // The resume position makes the id name this content: a restarted agent that reuses a
          // frame number for different lines is never mistaken for a duplicate.
          msgID: `${taskId}:${attempt}:${n}${resume ? `:${resume}` : ""}`,
        });
      const published = await retry(publish, {
        backoff: BACKOFF,
        signal,
        onRetry: (err, retryInMs) => {
          this.batcher.stalled = true;
          logger.warn({ err: String(err), frame: n, retryInMs }, "log frame publish failed; retrying");
        },
      }).then(
        () => true,
        // Only the shutdown signal ends the retries. If it ended a wait, the frame still gets the
        // try it was waiting for; what is not out after that is given up.
        (err: unknown) => (err === signal.reason ? publish().then(() => true, () => false) : false),
      );
      this.batcher.stalled = !published;
      if (!published) {
        this.dropped = this.batcher.abandon() + f.data.length;
        logger.error({ frame: n, droppedBytes: this.dropped }, "log frames not published before shutdown");
        return;
      }
      this.published = n;
      this.position = position;
      this.o.onPublished?.(f.data.length);
    }
  }
}

/** The SYSTEM line of an attempt whose output passed TRAINYARD_ATTEMPT_LOG_MAX_BYTES. */
export function logQuotaText(published: number, max: number, file: string, nodeId: string): string {
  return `output past ${formatBytes(max)} (TRAINYARD_ATTEMPT_LOG_MAX_BYTES) is no longer published after ${formatBytes(published)}; the task runs on, and the rest is in ${file} on node ${nodeId} (rotated: its newest part is kept)`;
}

/** The host file's form of an entry: "<time> <stream> <line>" for each of its lines (an entry may hold many). */
function fileLines(time: string, stream: StreamName, data: Buffer): string {
  const prefix = `${time} ${stream} `;
  const text = data.toString();
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  return `${prefix}${body.includes("\n") ? body.replaceAll("\n", `\n${prefix}`) : body}\n`;
}

