/**
 * `say(note)`: what happened during an attempt, told once as a fact. The narrator's words go in
 * the attempt's log as a SYSTEM line, and the note itself to the scheduler (core/report-as.ts),
 * which renders the same words into the task's history or message. Never waits, never throws.
 */
import { noteText, type AgentEvent, type AttemptNote } from "@trainyard/common";
import { REPORT_AS } from "../core/report-as.js";
import type { AttemptLog } from "../logs/attempt-log.js";

export type Say = (note: AttemptNote) => void;

export function sayer(log: Pick<AttemptLog, "system">, report: (e: AgentEvent) => Promise<void>, a: { taskId: string; attempt: number; nodeId: string }): Say {
  return (note) => {
    log.system(noteText(note));
    void report({ type: REPORT_AS[note.kind], ...a, note, time: Date.now() }).catch(() => {});
  };
}
