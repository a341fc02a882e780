/**
 * `npm run agent`: the only place that reads the environment. On SIGTERM the agent stops
 * pulling, flushes its logs and leaves running containers to its next start, which re-attaches
 * them (AgentService.Drain first lets them finish or moves them).
 */
import { runMain } from "@trainyard/common";
import { startAgent } from "./agent.js";
import { loadAgentConfig } from "./config.js";

await runMain("agent", (logger) => startAgent(loadAgentConfig(), logger), "shutting down: no new work; running containers are left for the next start");
