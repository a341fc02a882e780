import type { ConnectRouter } from "@connectrpc/connect";
import { AgentService } from "@trainyard/client";
import type { AgentConfig } from "./config.js";
import { getNode } from "./handlers/get-node.js";
import { streamLogs } from "./handlers/stream-logs.js";
import type { RunningAttempts } from "./running.js";
import type { Slots } from "./slots.js";

export interface AgentDeps {
  config: AgentConfig;
  slots: Slots;
  running: RunningAttempts;
  startTime: number;
  dockerVersion: string;
}

/** trainyard.v1.AgentService: one handler per RPC, each in handlers/<rpc>.ts. */
export function agentRoutes(d: AgentDeps) {
  return (router: ConnectRouter) =>
    router.service(AgentService, {
      getNode: getNode(d),
      streamLogs: streamLogs(d),
    });
}
