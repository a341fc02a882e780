export { startAgent, type Agent } from "./agent.js";
export { loadAgentConfig, type AgentConfig } from "./config.js";
export { DockerRuntime } from "./runtime/docker-runtime.js";
export type { ContainerRuntime } from "./runtime/container-runtime.js";
