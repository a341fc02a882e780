/**
 * The attempts this agent holds, for GetNode and the agent's StreamLogs. An attempt stays
 * listed (as finished) for `keepMs` after it ends, so a late log reader still gets its tail.
 */
import type { AttemptLog } from "../logs/attempt-log.js";
import type { StopCause } from "../core/classify.js";

export interface RunningAttempt {
  taskId: string;
  attempt: number;
  image: string;
  containerId?: string;
  startTime: number;
  log: AttemptLog;
  finished: boolean;
  /** The GPU devices it holds until it ends. */
  gpuIds: string[];
  /** Stops the attempt (set by the runner once it runs). */
  stop?: (cause: StopCause) => void;
}

export class RunningAttempts {
  private readonly byTask = new Map<string, RunningAttempt>();

  constructor(private readonly keepMs = 60_000) {}

  add(a: RunningAttempt): void {
    this.byTask.set(a.taskId, a);
  }

  finish(taskId: string, attempt: number): void {
    const a = this.byTask.get(taskId);
    if (!a || a.attempt !== attempt) return;
    a.finished = true;
    setTimeout(() => {
      if (this.byTask.get(taskId) === a) this.byTask.delete(taskId);
    }, this.keepMs).unref();
  }

  get(taskId: string): RunningAttempt | undefined {
    return this.byTask.get(taskId);
  }

  active(): RunningAttempt[] {
    return [...this.byTask.values()].filter((a) => !a.finished);
  }

  /** Devices held by attempts that have not ended. */
  heldGpus(): Set<string> {
    return new Set(this.active().flatMap((a) => a.gpuIds));
  }
}
