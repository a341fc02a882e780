import type { GpuDevice } from "@trainyard/common";
import type { ConnectRouter } from "@connectrpc/connect";
import { AgentService } from "@trainyard/client";
import type { AttemptHost } from "./runner/attempt-host.js";
import type { AgentConfig } from "./config.js";
import { drain } from "./handlers/drain.js";
import { getNode } from "./handlers/get-node.js";
import { streamLogs } from "./handlers/stream-logs.js";
import type { Slots } from "./intake/slots.js";

/** What the agent's handlers see. */
export interface AgentState {
  config: AgentConfig;
  slots: Slots;
  host: AttemptHost;
  startTime: number;
  dockerVersion: string;
  draining: boolean;
  /** The GPUs this node offers (declared, or found with nvidia-smi at start). */
  gpuDevices: GpuDevice[];
  /** Stops pulling; resolves when nothing runs (stopping what runs after deadlineMs, if > 0). */
  drain?: (deadlineMs: number) => Promise<void>;
}

/** trainyard.v1.AgentService: one handler per RPC, each in handlers/<rpc>.ts. */
export function agentRoutes(s: AgentState) {
  return (router: ConnectRouter) =>
    router.service(AgentService, {
      getNode: getNode(s),
      streamLogs: streamLogs(s),
      drain: drain(s),
    });
}
