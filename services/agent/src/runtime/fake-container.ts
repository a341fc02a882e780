// One container of a FakeRuntime: its spec, its behaviour played out in time, its log and its
// state. Owned and driven by FakeRuntime only (which checks the engine is up and the container
// exists); tests read it through FakeRuntime.containers() and FakeRuntime.container().
//
//   created ──start()──▶ running ──output done, duration over──▶ exited (exitCode, oomKilled)
//      │ startError          │ SIGTERM (143, unless ignoreSigterm), SIGKILL (137)
//      └▶ stays created,     └────────────────────────────────────▶ exited
//         exit code 127, error set         remove(): gone from any state (logs end, waits end)
//
// At most one timer at a time (the next pause, or the end of the duration); none while it
// idles until a signal, none once exited. Listeners (onChange) hear of new output and of the
// end, once per step: a batch of lines is one change.
import type { ContainerSpec, ContainerState, LogEntry } from "./container-runtime.js";
import { linesOf, type Behaviour } from "./fake-behaviour.js";

export type FakeSignal = "SIGTERM" | "SIGKILL";

/**
 * Stamps log entries: RFC 3339 with nanoseconds (Docker's fixed 9 digits), strictly increasing:
 * the wall clock's millisecond, plus one nanosecond per entry already stamped in it.
 * Plain numbers (no BigInt), the second's text cached: a benchmark stamps millions.
 */
export class LogClock {
  private ms = 0;
  private sub = 0;
  private second = -1;
  private secondText = "";

  constructor(readonly now: () => number) {}

  next(): { stamp: string; time: number; ms: number; sub: number } {
    const wall = Math.floor(this.now());
    if (wall > this.ms) {
      this.ms = wall;
      this.sub = 0;
    } else if (++this.sub === 1_000_000) {
      this.ms++;
      this.sub = 0;
    }
    const second = Math.floor(this.ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.secondText = new Date(second * 1000).toISOString().slice(0, 19);
    }
    const frac = (this.ms - second * 1000) * 1_000_000 + this.sub;
    return { stamp: `${this.secondText}.${String(frac).padStart(9, "0")}Z`, time: this.ms + this.sub / 1e6, ms: this.ms, sub: this.sub };
  }
}

/** Whether an entry stamped (ms, sub) is at or after `ns` (a `since`, in nanoseconds). */
export function atOrAfter(ms: number, sub: number, ns: bigint): boolean {
  const sinceMs = Number(ns / 1_000_000n);
  return ms > sinceMs || (ms === sinceMs && sub >= Number(ns % 1_000_000n));
}

export class FakeContainer {
  state: "created" | "running" | "exited" = "created";
  removed = false;
  startedAt = 0;
  finishedAt = 0;
  exitCode = 0;
  oomKilled = false;
  error = "";
  /** Signals delivered while it ran, in order (kill(), and an engine restart's). */
  readonly signals: FakeSignal[] = [];
  /** Its log so far; emptied when it is removed. */
  readonly entries: LogEntry[] = [];
  /** Each entry's stamp as (ms, nanoseconds within it), parallel to entries, for `since`. */
  readonly entryAt: { ms: number; sub: number }[] = [];

  private timer: NodeJS.Timeout | undefined;
  private step = 0;
  private pausedMs = 0;
  private durationWaited = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly id: string,
    readonly spec: ContainerSpec,
    readonly behaviour: Behaviour,
    private readonly clock: LogClock,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.state === "running" && !this.removed;
  }

  /** Whether a timer is pending for it (at most one). */
  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  inspect(): ContainerState {
    return { running: this.running, startedAt: this.startedAt, exitCode: this.exitCode, oomKilled: this.oomKilled, error: this.error };
  }

  /** Runs it (again, when it has exited: as Docker does). Throws with `startError`. */
  start(): void {
    if (this.running) throw Object.assign(new Error("container already started"), { statusCode: 304 });
    if (this.behaviour.startError) {
      this.exitCode = 127;
      this.error = this.behaviour.startError;
      throw Object.assign(new Error(this.behaviour.startError), { statusCode: 400, json: { message: this.behaviour.startError } });
    }
    this.state = "running";
    this.startedAt = this.clock.now();
    this.finishedAt = 0;
    this.exitCode = 0;
    this.oomKilled = false;
    this.error = "";
    this.step = 0;
    this.pausedMs = 0;
    this.durationWaited = false;
    this.advance();
  }

  /** Delivers a signal; a container that is not running ignores it. */
  signal(sig: FakeSignal): void {
    if (!this.running) return;
    this.signals.push(sig);
    if (sig === "SIGKILL") this.finish(137, false);
    else if (!this.behaviour.ignoreSigterm) this.finish(143, false);
  }

  remove(): void {
    if (this.removed) return;
    this.clearTimer();
    this.removed = true;
    this.entries.length = 0;
    this.entryAt.length = 0;
    this.changed();
  }

  /** Calls `listener` on each change (output, exit, removal) until the returned function is called. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Plays the behaviour from the current step until a pause, the duration, or the end. */
  private advance(): void {
    this.timer = undefined;
    const steps = this.behaviour.output ?? [];
    let wrote = false;
    while (this.step < steps.length) {
      const s = steps[this.step++]!;
      if ("pauseMs" in s) {
        if (s.pauseMs <= 0) continue;
        this.pausedMs += s.pauseMs;
        this.timer = setTimeout(() => this.advance(), s.pauseMs);
        if (wrote) this.changed();
        return;
      }
      const stream = "stdout" in s ? "stdout" : "stderr";
      for (const line of linesOf(s)) this.append(stream, line);
      wrote = true;
    }
    const left = (this.behaviour.durationMs ?? 0) - this.pausedMs;
    if (left === Infinity || (left > 0 && !this.durationWaited)) {
      this.durationWaited = true;
      if (left !== Infinity) this.timer = setTimeout(() => this.advance(), left);
      if (wrote) this.changed();
      return;
    }
    const oom = this.behaviour.oom === true;
    this.finish(oom ? 137 : (this.behaviour.exitCode ?? 0), oom);
  }

  private append(stream: LogEntry["stream"], line: string): void {
    const { stamp, time, ms, sub } = this.clock.next();
    this.entries.push({ stream, time, stamp, data: Buffer.from(line) });
    this.entryAt.push({ ms, sub });
  }

  private finish(exitCode: number, oomKilled: boolean): void {
    this.clearTimer();
    this.state = "exited";
    this.exitCode = exitCode;
    this.oomKilled = oomKilled;
    this.finishedAt = this.clock.now();
    this.changed();
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}
