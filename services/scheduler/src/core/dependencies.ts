/**
 * Dependencies (TaskSpec.depends_on): whether a waiting task may go, must wait, or never can.
 * Pure. SUCCEEDED needs the parent SUCCEEDED; FINISHED any final state; FAILED the parent
 * FAILED (a cancelled parent does not count). A parent that no longer exists (deleted after its
 * retention) can satisfy nothing.
 */
import { isFinal, type Dependency, type DependencyCondition, type TaskState } from "@trainyard/common";

export const MAX_DEPENDENCIES = 32;

export type Judgement = { kind: "met" } | { kind: "wait"; on: Dependency[] } | { kind: "never"; why: string };

/** `stateOf(id)`: the parent's state, undefined when it does not exist. */
export function judge(deps: readonly Dependency[], stateOf: (id: string) => TaskState | undefined): Judgement {
  const waiting: Dependency[] = [];
  for (const d of deps) {
    const state = stateOf(d.taskId);
    if (state === undefined) return { kind: "never", why: `dependency ${d.taskId} no longer exists` };
    if (!isFinal(state)) {
      waiting.push(d);
      continue;
    }
    if (!holds(d.condition, state)) return { kind: "never", why: `dependency ${d.taskId} ended ${state}; this task needed it to ${NEEDS[d.condition]}` };
  }
  return waiting.length ? { kind: "wait", on: waiting } : { kind: "met" };
}

function holds(c: DependencyCondition, final: TaskState): boolean {
  return c === "FINISHED" || c === final;
}

const NEEDS: Record<DependencyCondition, string> = { SUCCEEDED: "succeed", FINISHED: "finish", FAILED: "fail" };

/** The waiting task's message: "waiting for t-a to succeed, t-b to finish". */
export function waitingText(on: readonly Dependency[]): string {
  const shown = on.slice(0, 3).map((d) => `${d.taskId} to ${NEEDS[d.condition]}`);
  return `waiting for ${shown.join(", ")}${on.length > 3 ? ` and ${on.length - 3} more` : ""}`;
}
