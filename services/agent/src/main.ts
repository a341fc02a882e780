import { runMain } from "@trainyard/common";
import { startAgent } from "./agent.js";
import { loadAgentConfig } from "./config.js";

/** `npm run agent`: the only place that reads the environment. */
await runMain("agent", (logger) => startAgent(loadAgentConfig(), logger), "shutting down: no new work; running tasks are stopped and reported");
