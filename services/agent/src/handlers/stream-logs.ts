import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import {
  AgentServiceStreamLogsResponseSchema,
  LogStream,
  type AgentServiceStreamLogsRequest,
  type AgentServiceStreamLogsResponse,
} from "@trainyard/client";
import { InvalidArgumentError, NotFoundError } from "@trainyard/common";
import type { AgentState } from "../routes.js";

const LOG_STREAM = { stdout: LogStream.STDOUT, stderr: LogStream.STDERR, system: LogStream.SYSTEM } as const;

/**
 * The agent's StreamLogs: the output an attempt running here wrote, straight from memory (the
 * last 10,000 entries; seq is local to the attempt), then live entries until it ends. For the
 * durable, resumable log use the scheduler's StreamLogs.
 */
export function streamLogs(d: AgentState) {
  return async function* (req: AgentServiceStreamLogsRequest, ctx: HandlerContext): AsyncGenerator<AgentServiceStreamLogsResponse> {
    if (!req.taskId) throw new InvalidArgumentError("task_id", "is required");
    const a = d.host.running.get(req.taskId);
    if (!a) throw new NotFoundError("task on this node", req.taskId);
    let after = Number(req.afterSeq);
    for (;;) {
      const frames = a.log.local.since(after);
      if (frames.length) {
        after = frames[frames.length - 1]!.seq;
        yield create(AgentServiceStreamLogsResponseSchema, {
          frames: frames.map((f) => ({ seq: BigInt(f.seq), attempt: a.attempt, stream: LOG_STREAM[f.stream], time: timestampFromMs(Math.floor(f.time)), data: f.data })),
        });
      }
      if (!req.follow || a.log.local.ended) break;
      const changed = a.log.local.changed(ctx.signal);
      if (a.log.local.since(after).length === 0 && !a.log.local.ended) await changed;
      ctx.signal.throwIfAborted();
    }
  };
}
