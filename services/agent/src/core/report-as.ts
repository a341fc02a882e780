/**
 * Where each thing the agent says goes besides its SYSTEM line (runner/say.ts): an entry in the
 * task's history ("note", retried until stored) or the task's message ("progress", best-effort).
 */
import type { AttemptNote } from "@trainyard/common";

export const REPORT_AS: Record<AttemptNote["kind"], "note" | "progress"> = {
  pulling: "progress",
  "pull-progress": "progress",
  pulled: "note",
  reattached: "note",
  stopping: "note",
  sigterm: "note",
  sigkill: "note",
  "checkpoint-restored": "note",
  "checkpoint-not-saved": "note",
  "checkpoint-not-restored": "note",
};
