// What a FakeRuntime container does, written into its command so that a task spec (which only
// has a command) can script it: FakeRuntime.command(behaviour) → ["trainyard-fake", "<json>"],
// decoded at create. Any other command behaves as {}: no output, exit 0 at once.
//
// A container runs its `output` in order (a pause waits, a line is written with "\n"), then
// keeps running until `durationMs` after its start (Infinity: until a signal ends it), then
// exits with `exitCode`, or is OOM-killed (137, oomKilled) when `oom`. SIGTERM ends it with 143
// unless `ignoreSigterm`; SIGKILL ends it with 137. `startError`: start() throws with that
// message (Docker: an OCI runtime error, e.g. a mount the runtime cannot make; the container
// stays "created", exit code 127). Not a missing executable: DockerRuntime runs the command
// under docker-init, which reports that on stderr and exits 127 (script it as such).
// `createError`: create() throws with it, no container made.
//
// On a real engine the same behaviour is a shell script (services/agent/test/runtime/sh-behaviour.ts),
// which is how the contract suite holds the fake to Docker.

export type OutputStep =
  /** A line on stdout; `repeat` writes it n times, "%i" replaced by 1..n. */
  | { stdout: string; repeat?: number }
  | { stderr: string; repeat?: number }
  | { pauseMs: number };

export interface Behaviour {
  output?: OutputStep[];
  /** From start to exit, at least as long as the output takes; Infinity: until stopped. Default 0. */
  durationMs?: number;
  /** Default 0. */
  exitCode?: number;
  /** Ends (after output and duration) killed by the OOM killer instead of exiting. */
  oom?: boolean;
  ignoreSigterm?: boolean;
  startError?: string;
  createError?: string;
}

const MARK = "trainyard-fake";

export function encodeBehaviour(b: Behaviour): string[] {
  return [MARK, JSON.stringify(b, (_k, v: unknown) => (v === Infinity ? "Infinity" : v))];
}

/** The behaviour a command encodes; {} for any other command. Throws on a damaged encoding. */
export function decodeBehaviour(command: readonly string[]): Behaviour {
  if (command[0] !== MARK) return {};
  if (command.length !== 2) throw new Error(`not a FakeRuntime behaviour: ${JSON.stringify(command)}`);
  const b = JSON.parse(command[1]!, (k, v: unknown) => (k === "durationMs" && v === "Infinity" ? Infinity : v)) as unknown;
  if (typeof b !== "object" || b === null || Array.isArray(b)) throw new Error(`not a FakeRuntime behaviour: ${command[1]}`);
  return b as Behaviour;
}

/** The lines of an output step, each with its "\n". */
export function linesOf(step: { stdout: string; repeat?: number } | { stderr: string; repeat?: number }): string[] {
  const text = "stdout" in step ? step.stdout : step.stderr;
  if (step.repeat === undefined) return [`${text}\n`];
  return Array.from({ length: step.repeat }, (_, i) => `${text.replaceAll("%i", String(i + 1))}\n`);
}
