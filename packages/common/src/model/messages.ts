/**
 * Messages on the bus. All JSON. Every message names its task *and attempt*: consumers drop
 * whatever is not about the current attempt (fencing), so redelivery is always harmless.
 * Agents and schedulers of one version speak the same messages: upgrade them together.
 */
import { KINDS, type AttemptNote, type Outcome } from "./facts.js";
import type { CheckpointInfo, FailureReason } from "./task.js";

/** DISPATCH stream, subject trainyard.dispatch.<pool>, Nats-Msg-Id "<task>:<attempt>". */
export interface DispatchMessage {
  taskId: string;
  attempt: number;
}

/** EVENTS stream, subject trainyard.events.<task>: agent → scheduler. Facts, never words. */
export type AgentEvent =
  /** `gpuIds`: the devices the agent runs the attempt with (those the record placed when it claimed). */
  | { type: "claimed"; taskId: string; attempt: number; nodeId: string; time: number; gpuIds?: string[] }
  | { type: "started"; taskId: string; attempt: number; nodeId: string; containerId: string; time: number }
  /** Best-effort: becomes the task's message (an image pull's progress). */
  | { type: "progress"; taskId: string; attempt: number; nodeId: string; note: AttemptNote; time: number }
  /** For the task's history: image pulled, stop begun, signal sent, re-attached after a restart. */
  | { type: "note"; taskId: string; attempt: number; nodeId: string; note: AttemptNote; time: number }
  | { type: "finished"; taskId: string; attempt: number; nodeId: string; outcome: Outcome; time: number }
  /** A save is complete in the checkpoints store, named checkpointName(taskId, this); `time`: when it began. */
  | ({ type: "checkpoint"; taskId: string; nodeId: string } & CheckpointInfo);

const EVENT_TYPES = new Set(["claimed", "started", "progress", "note", "finished", "checkpoint"]);
const FAILURE_REASONS: ReadonlySet<string> = new Set<FailureReason>([
  "EXIT_CODE",
  "OOM_KILLED",
  "TIMEOUT",
  "CANCELLED",
  "NODE_LOST",
  "IMAGE_UNAVAILABLE",
  "CONTAINER_ERROR",
  "PREEMPTED",
]);

/** Parses an event; null when it is not one (the consumer terminates such messages). */
export function parseAgentEvent(data: unknown): AgentEvent | null {
  if (!isObject(data)) return null;
  const e = data;
  if (!EVENT_TYPES.has(e.type as string)) return null;
  if (typeof e.taskId !== "string" || typeof e.attempt !== "number" || typeof e.nodeId !== "string") return null;
  if (typeof e.time !== "number" || !Number.isFinite(e.time)) return null;
  switch (e.type) {
    case "claimed":
      if (e.gpuIds !== undefined && !(Array.isArray(e.gpuIds) && e.gpuIds.length <= 64 && e.gpuIds.every((g) => typeof g === "string"))) return null;
      break;
    case "started":
      if (typeof e.containerId !== "string") return null;
      break;
    case "progress":
    case "note":
      if (!hasKind(e.note, KINDS.note) || (e.note.kind === "stopping" && !hasKind(e.note.cause, KINDS.stop))) return null;
      break;
    case "checkpoint":
      if (!isCount(e.sizeBytes) || !isCount(e.time) || !isCount(e.attempt) || typeof e.digest !== "string" || !/^SHA-256=[A-Za-z0-9_-]{43}=$/.test(e.digest)) return null;
      break;
    case "finished": {
      const o = e.outcome;
      if (!isObject(o) || typeof o.exitCode !== "number" || !isEnd(o.end)) return null;
      if (o.failureReason !== undefined && !FAILURE_REASONS.has(o.failureReason as string)) return null;
      break;
    }
  }
  return e as unknown as AgentEvent;
}

export function parseDispatch(data: unknown): DispatchMessage | null {
  if (!isObject(data)) return null;
  if (typeof data.taskId !== "string" || typeof data.attempt !== "number") return null;
  return { taskId: data.taskId, attempt: data.attempt };
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function hasKind(v: unknown, kinds: ReadonlySet<string>): v is Record<string, unknown> & { kind: string } {
  return isObject(v) && kinds.has(v.kind as string);
}

/** An AttemptEnd whose nested facts (a stop's cause, a lost node's lapse) are known kinds too. */
function isEnd(v: unknown): boolean {
  if (!hasKind(v, KINDS.end)) return false;
  if (v.kind === "stopped") return hasKind(v.cause, KINDS.stop);
  if (v.kind === "node-lost") return hasKind(v.lapse, KINDS.lapse);
  return true;
}
