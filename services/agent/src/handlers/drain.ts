import { durationMs } from "@bufbuild/protobuf/wkt";
import type { DrainRequest, DrainResponse } from "@trainyard/client";
import { InvalidArgumentError } from "@trainyard/common";
import type { AgentState } from "../routes.js";
import { nodeMessage } from "./get-node.js";

/**
 * Drain: no new work from now on; returns once every running task has ended. With a deadline,
 * tasks still running then are stopped and end NODE_LOST (dispatched again elsewhere).
 * Safe to call again (a second call waits for the same end).
 */
export function drain(s: AgentState) {
  return async (req: DrainRequest): Promise<DrainResponse> => {
    const deadlineMs = req.deadline ? durationMs(req.deadline) : 0;
    if (deadlineMs < 0) throw new InvalidArgumentError("deadline", "must not be negative");
    await s.drain?.(deadlineMs);
    return { $typeName: "trainyard.v1.DrainResponse", node: nodeMessage(s) };
  };
}
