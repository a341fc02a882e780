import type { FailureReason } from "./task.js";

/**
 * Messages on the bus. All JSON. Every message names its task *and attempt*: consumers drop
 * whatever is not about the current attempt (fencing), so redelivery is always harmless.
 */

/** DISPATCH stream, subject trainyard.dispatch.<pool>, Nats-Msg-Id "<task>:<attempt>". */
export interface DispatchMessage {
  taskId: string;
  attempt: number;
}

/** How an attempt ended, as the agent classified it. No failureReason: it succeeded. */
export interface Outcome {
  exitCode: number;
  failureReason?: FailureReason;
  message: string;
  /** IMAGE_UNAVAILABLE only: the pull may succeed later (network, registry down), unlike "no such image". */
  transient?: boolean;
  /**
   * CONTAINER_ERROR only: the agent refused the spec itself (a bind mount outside
   * TRAINYARD_ALLOWED_HOST_PATHS); another attempt would fail the same way, so none follows.
   */
  permanent?: boolean;
}

/** EVENTS stream, subject trainyard.events.<task>: agent → scheduler. */
export type AgentEvent =
  | { type: "claimed"; taskId: string; attempt: number; nodeId: string; time: number }
  | { type: "started"; taskId: string; attempt: number; nodeId: string; containerId: string; time: number }
  | { type: "progress"; taskId: string; attempt: number; nodeId: string; message: string; time: number }
  /** A fact for the task's history: image pulled, signal sent, re-attached after a restart. */
  | { type: "note"; taskId: string; attempt: number; nodeId: string; message: string; time: number }
  | { type: "finished"; taskId: string; attempt: number; nodeId: string; outcome: Outcome; time: number };

const EVENT_TYPES = new Set(["claimed", "started", "progress", "note", "finished"]);
const FAILURE_REASONS: ReadonlySet<string> = new Set<FailureReason>([
  "EXIT_CODE",
  "OOM_KILLED",
  "TIMEOUT",
  "CANCELLED",
  "NODE_LOST",
  "IMAGE_UNAVAILABLE",
  "CONTAINER_ERROR",
]);

/** Parses an event; null when it is not one (the consumer terminates such messages). */
export function parseAgentEvent(data: unknown): AgentEvent | null {
  if (typeof data !== "object" || data === null) return null;
  const e = data as Record<string, unknown>;
  if (!EVENT_TYPES.has(e.type as string)) return null;
  if (typeof e.taskId !== "string" || typeof e.attempt !== "number" || typeof e.nodeId !== "string") return null;
  if (typeof e.time !== "number" || !Number.isFinite(e.time)) return null;
  switch (e.type) {
    case "started":
      if (typeof e.containerId !== "string") return null;
      break;
    case "progress":
    case "note":
      if (typeof e.message !== "string") return null;
      break;
    case "finished": {
      const o = e.outcome as Record<string, unknown> | undefined;
      if (typeof o !== "object" || o === null || typeof o.exitCode !== "number" || typeof o.message !== "string") return null;
      if (o.failureReason !== undefined && !FAILURE_REASONS.has(o.failureReason as string)) return null;
      break;
    }
  }
  return e as unknown as AgentEvent;
}

export function parseDispatch(data: unknown): DispatchMessage | null {
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.taskId !== "string" || typeof d.attempt !== "number") return null;
  return { taskId: d.taskId, attempt: d.attempt };
}
