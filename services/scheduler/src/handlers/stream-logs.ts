import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import type { StreamLogsRequest, StreamLogsResponse } from "@trainyard/client";
import { InvalidArgumentError, principalOf } from "@trainyard/common";
import { frameToProto } from "../api/convert.js";
import type { SchedulerDeps } from "../deps.js";
import { requireTaskId } from "./task-id.js";
import { visibleTask } from "./visible.js";

/**
 * StreamLogs: replay, tail and follow a task's frames (logs/log-reader.ts), of one attempt or
 * all, since a time or from the start. Ends OK after the
 * last frame of a final task; on cancel or shutdown it ends with the signal's reason
 * (UNAVAILABLE on shutdown), so clients resume with after_seq.
 */
/** The most lines tail_lines may ask for (a tail is held in memory while read). */
export const MAX_TAIL_LINES = 100_000;

export function streamLogs(d: SchedulerDeps) {
  return async function* (req: StreamLogsRequest, ctx: HandlerContext): AsyncGenerator<StreamLogsResponse> {
    const id = requireTaskId(req.taskId);
    if (req.tailLines > MAX_TAIL_LINES) throw new InvalidArgumentError("tail_lines", `must be at most ${MAX_TAIL_LINES}`);
    if (req.afterSeq > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError("after_seq", `must be at most ${Number.MAX_SAFE_INTEGER}`);
    if (req.attempt < 0) throw new InvalidArgumentError("attempt", "must be 0 (every attempt) or an attempt number from 1");
    const since = req.since ? timestampMs(req.since) : undefined;
    await visibleTask(d, id, principalOf(ctx));
    const frames = d.logs.read(id, {
      afterSeq: Number(req.afterSeq),
      follow: req.follow,
      tailLines: req.tailLines,
      attempt: req.attempt,
      ...(since !== undefined && { since }),
      signal: ctx.signal,
    });
    for await (const batch of frames) {
      d.metrics.delivered(batch);
      yield { $typeName: "trainyard.v1.StreamLogsResponse", frames: batch.map(frameToProto) };
    }
    ctx.signal.throwIfAborted();
  };
}
