export * from "./task.js";
export * from "./facts.js";
export * from "./messages.js";
export * from "./log-frame.js";
export * from "./node.js";
