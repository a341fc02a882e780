/**
 * The `trainyard` command line: commander wiring only; parsing is in parse.ts, printing in
 * format.ts, the work in commands.ts. Option values are kept as strings here and parsed by the
 * commands, so every bad value becomes a UsageError (exit 2) naming its flag.
 */
import { Command, Option } from "commander";
import { checkpoint, type CheckpointFlags } from "./checkpoint.js";
import * as commands from "./commands.js";
import type { LogsFlags } from "./commands.js";
import { DEFAULT_ADDR } from "./parse.js";

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Options every command takes. */
export interface GlobalOptions {
  /** Bearer token (default $TRAINYARD_TOKEN). */
  token?: string;
}

/** `run(ctxFactory)` turns each action into: make the context, run, hand back the exit code. */
export function buildProgram(context: (o: GlobalOptions) => commands.Context, done: (code: number) => void): Command {
  const program = new Command("trainyard")
    .description("Submit and follow containerized tasks on a Trainyard scheduler.")
    .version("0.1.0")
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `\nThe scheduler is TRAINYARD_ADDR (host:port or http://host:port; default ${DEFAULT_ADDR}).\n` +
        "A scheduler with an auth file wants a token: --token or TRAINYARD_TOKEN.\n" +
        "Exit codes: 0 ok, 1 server or connection error, 2 bad usage; submit --follow exits with the task's code (see `trainyard submit --help`).",
    );
  // commander hands an action its arguments, its options, then the Command itself.
  const act =
    <A extends unknown[]>(fn: (c: commands.Context, ...args: A) => Promise<number>) =>
    async (...args: A) =>
      done(await fn(context((args[args.length - 1] as Command).optsWithGlobals<GlobalOptions>()), ...args));

  program
    .command("submit")
    .description("submit a task and print its id (with --follow, stream its log and exit with its exit code)")
    .usage("--image IMG [options] -- CMD [ARGS...]")
    .argument("[command...]", "the container's command (the image's entrypoint stays)")
    .addOption(new Option("--image <image>", "container image").makeOptionMandatory())
    .option("-e, --env <KEY=VALUE>", "environment variable (repeatable)", collect)
    .option("--cpus <n>", "CPU limit, e.g. 0.5")
    .option("--memory <size>", "memory limit, e.g. 512m, 2g")
    .option("--gpus <n>", "GPUs")
    .option("--timeout <duration>", "kill after, e.g. 30s, 10m, 1h")
    .option("--retries <n>", "retries after a failure of the command (default 3)")
    .option("--retry-delay <duration>", "delay before a retry (default 5s)")
    .option("-l, --label <k=v>", "label (repeatable)", collect)
    .option("--pool <pool>", "pool of agents (default \"default\")")
    .option("--idempotency-key <key>", "the same key returns the first task instead of a new one")
    .option("--user <uid[:gid]>", "run the command as this numeric user (default: the image's)")
    .option("--read-only", "a read-only root filesystem (with a writable /tmp)")
    .option("--priority <1-100>", "higher runs first, and may preempt --preemptible tasks (default 50)")
    .option("--preemptible", "may be stopped to make room for a task of higher priority")
    .option("--node-label <k=v>", "run only on nodes with this label (repeatable; all must match)", collect)
    .option("--after <id>", "start only once this task succeeded (repeatable); if it does not, this one is cancelled", collect)
    .option("--after-any <id>", "start once this task ended, whichever way (repeatable)", collect)
    .option("--after-failed <id>", "start only if this task failed (repeatable)", collect)
    .option("--network <mode>", "none (default), host or bridge, where the agent allows it")
    .option("--array <N%P>", "N tasks of this spec (TRAINYARD_ARRAY_INDEX 0..N-1), at most P at once; prints the array's id")
    .option("--sweep <KEY=a,b>", "one task per combination of the values (repeatable: cross product), as an array (--array %P limits it)", collect)
    .option("--checkpoint <path>", "a directory in the container ($TRAINYARD_CHECKPOINT_DIR) saved while it runs and when an attempt ends, restored before a retry")
    .option("--checkpoint-interval <duration>", "between two saves while it runs (default 60s, at least 1s)")
    .option("-f, --follow", "stream the log; exit with the task's exit code")
    .passThroughOptions()
    .addHelpText(
      "after",
      "\nWith --follow: the task's stdout goes to stdout, its stderr and Trainyard's own lines to stderr;\n" +
        "the exit code is the task's: 0 succeeded, n its command's exit code, 124 timeout, 137 OOM killed,\n" +
        "130 cancelled (or Ctrl-C: the task keeps running), 125 failed without an exit code (image\n" +
        "unavailable, container error, node lost).",
    )
    .action(act((c, command: string[], flags: commands.SubmitOptions) => commands.submit(c, flags, command)));

  program
    .command("get")
    .description("show a task")
    .argument("<id>")
    .option("--json", "the task record as proto JSON")
    .action(act((c, id: string, o: { json?: boolean }) => commands.get(c, id, o)));

  program
    .command("list")
    .description("list tasks, newest first")
    .option("-s, --state <state>", "only this state (repeatable): pending, running, succeeded, failed, cancelled", collect)
    .option("-l, --label <k=v>", "only tasks with this label (repeatable; all must match)", collect)
    .option("--limit <n>", "at most n tasks (default 100)")
    .option("--array <id>", "the tasks of this array, in index order, with how many are in each state")
    .option("--json", "the response as proto JSON")
    .action(act((c, o: { state?: string[]; label?: string[]; limit?: string; json?: boolean; array?: string }) => commands.list(c, o)));

  program
    .command("checkpoint")
    .description("download a task's newest checkpoint and unpack it into a directory (or, with -o -, write its tar archive to stdout)")
    .argument("<id>")
    .addOption(new Option("-o, --output <dir>", "where to unpack it (created if missing; the directory lands there under its own name), or - for stdout").makeOptionMandatory())
    .addHelpText(
      "after",
      "\nInto a directory, all or nothing: a download that fails (or is not the recorded save: DATA_LOSS)\n" +
        "leaves nothing there, and an existing entry is never replaced. Unpacked by the system's tar\n" +
        "(members outside the directory refused). A save replaced while it downloaded is downloaded again,\n" +
        "once. Which save it was goes to stderr.",
    )
    .action(act((c, id: string, o: CheckpointFlags) => checkpoint(c, id, o)));

  program
    .command("logs")
    .description("print a task's log (task stdout to stdout, the rest to stderr)")
    .argument("<id>")
    .option("-f, --follow", "keep following until the task ends")
    .option("--tail <n>", "start with the last n lines")
    .option("--attempt <n>", "only this attempt's output (1, 2, ...)")
    .option("--since <when>", "only output since then: a duration back from now (10m, 1h) or a time (2026-12-01T10:00:00Z)")
    .action(act((c, id: string, o: LogsFlags) => commands.logs(c, id, o)));

  program
    .command("cancel")
    .description("cancel a task")
    .argument("<id>")
    .option("--reason <text>", "recorded with the task")
    .action(act((c, id: string, o: { reason?: string }) => commands.cancel(c, id, o)));

  program
    .command("watch")
    .description("live table of every task, or of one (ends when it ends)")
    .argument("[id]")
    .action(act((c, id: string | undefined) => commands.watch(c, id)));

  program
    .command("nodes")
    .description("the agents: state, free slots, GPUs and who holds them, last seen")
    .option("--json", "the response as proto JSON")
    .action(act((c, o: { json?: boolean }) => commands.nodes(c, o)));

  program
    .command("drain")
    .description("stop placing work on a node (admin); --undo takes it back")
    .argument("<node>", "node id")
    .option("--undo", "place work on the node again")
    .option("--deadline <duration>", "then stop what still runs there (it runs again elsewhere), e.g. 10m")
    .action(act((c, node: string, o: { undo?: boolean; deadline?: string }) => commands.drain(c, node, o)));

  program.option(TOKEN_FLAG, TOKEN_HELP);
  for (const c of program.commands) c.option(TOKEN_FLAG, TOKEN_HELP);
  return program;
}

const TOKEN_FLAG = "--token <token>";
const TOKEN_HELP = "bearer token for a scheduler with an auth file (default $TRAINYARD_TOKEN)";
