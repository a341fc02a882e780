/**
 * The CLI's commands, each an async function of (context, parsed arguments) returning the exit
 * code. Server errors propagate as ConnectError (main.ts prints code and message).
 */
import { toJsonString } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { TaskSchema, TaskState, type Task } from "../gen/trainyard/v1/task_pb.js";
import { ListNodesResponseSchema, ListResponseSchema } from "../gen/trainyard/v1/scheduler_pb.js";
import type { TrainyardClient } from "../trainyard-client.js";
import { exitCodeFor, formatError, nodeStateName, nodeTable, plainRow, stateName, TABLE_HEADER, taskDetail, taskRow, taskTable } from "./format.js";
import { buildSubmitArrayRequest, buildSubmitRequest, keyValues, parseDurationFlag, parseNumber, parseSince, parseState, UsageError, type SubmitFlags } from "./parse.js";
import { printLogs, type PrintLogsOptions } from "./print-logs.js";
import type { Terminal } from "./terminal.js";

export interface Context {
  client: TrainyardClient;
  term: Terminal;
  /** Aborted by Ctrl-C. */
  signal: AbortSignal;
  now(): number;
}

/** Ctrl-C while following: the task keeps running. */
export const INTERRUPTED = 130;

const FINAL = new Set([TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED]);

export type SubmitOptions = SubmitFlags & { follow?: boolean };

export async function submit(c: Context, flags: SubmitOptions, command: string[]): Promise<number> {
  const array = buildSubmitArrayRequest(flags, command);
  if (array) {
    if (flags.follow) throw new UsageError("--follow follows one task: for an array, trainyard list --array ID, then trainyard logs -f on a task");
    const res = await c.client.submitArray(array, { signal: c.signal });
    await c.term.out(`${res.arrayId}\n`);
    return 0;
  }
  const req = buildSubmitRequest(flags, command);
  const { task } = await c.client.submit(req, { signal: c.signal });
  const id = task!.id;
  if (!flags.follow) {
    await c.term.out(`${id}\n`);
    return 0;
  }
  await c.term.err(`${id}\n`);
  if (!(await followed(c, id, { follow: true }))) return INTERRUPTED;
  return exitCodeFor(await finalTask(c, id));
}

export async function get(c: Context, id: string, o: { json?: boolean }): Promise<number> {
  const { task } = await c.client.get({ taskId: id }, { signal: c.signal });
  if (o.json) await c.term.out(`${toJsonString(TaskSchema, task!, { prettySpaces: 2 })}\n`);
  else await c.term.out(`${taskDetail(task!, c.now()).join("\n")}\n`);
  return 0;
}

export async function list(c: Context, o: { state?: string[]; label?: string[]; limit?: string; json?: boolean; array?: string }): Promise<number> {
  const res = await c.client.list(
    {
      states: (o.state ?? []).map(parseState),
      labels: keyValues(o.label ?? [], "--label"),
      pageSize: o.limit !== undefined ? parseNumber(o.limit, "--limit", { integer: true, min: 1 }) : o.array ? 1_000 : 0,
      arrayId: o.array ?? "",
    },
    { signal: c.signal },
  );
  if (o.json) {
    await c.term.out(`${toJsonString(ListResponseSchema, res, { prettySpaces: 2 })}\n`);
    return 0;
  }
  // An array's tasks in index order, and how many are in each state.
  const tasks = o.array ? [...res.tasks].sort((a, b) => a.arrayIndex - b.arrayIndex) : res.tasks;
  await c.term.out(`${taskTable(tasks, c.now()).join("\n")}\n`);
  if (o.array) await c.term.out(`${stateCounts(tasks)}\n`);
  return 0;
}

/** "10 tasks: 3 RUNNING, 5 PENDING, 2 SUCCEEDED" (states in lifecycle order). */
export function stateCounts(tasks: readonly Task[]): string {
  const counts = new Map<TaskState, number>();
  for (const t of tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${n} ${stateName(s)}`);
  return `${tasks.length} task${tasks.length === 1 ? "" : "s"}${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

export interface LogsFlags {
  follow?: boolean;
  tail?: string;
  attempt?: string;
  since?: string;
}

export async function logs(c: Context, id: string, o: LogsFlags): Promise<number> {
  const tailLines = o.tail !== undefined ? parseNumber(o.tail, "--tail", { integer: true, min: 1 }) : undefined;
  const attempt = o.attempt !== undefined ? parseNumber(o.attempt, "--attempt", { integer: true, min: 1 }) : undefined;
  const since = o.since !== undefined ? parseSince(o.since, c.now()) : undefined;
  const filters = { ...(tailLines !== undefined && { tailLines }), ...(attempt !== undefined && { attempt }), ...(since !== undefined && { since }) };
  return (await followed(c, id, { follow: o.follow === true, ...filters })) ? 0 : INTERRUPTED;
}

export async function nodes(c: Context, o: { json?: boolean }): Promise<number> {
  const res = await c.client.listNodes({}, { signal: c.signal });
  if (o.json) await c.term.out(`${toJsonString(ListNodesResponseSchema, res, { prettySpaces: 2 })}\n`);
  else await c.term.out(`${nodeTable(res.nodes, c.now()).join("\n")}\n`);
  return 0;
}

export async function drain(c: Context, nodeId: string, o: { undo?: boolean; deadline?: string }): Promise<number> {
  const deadline = o.deadline !== undefined ? durationFromMs(parseDurationFlag(o.deadline, "--deadline")) : undefined;
  const { node } = await c.client.drainNode({ nodeId, undo: o.undo ?? false, ...(deadline ? { deadline } : {}) }, { signal: c.signal });
  await c.term.out(`${nodeId} ${node ? nodeStateName(node.state) : o.undo ? "ready" : "draining"}\n`);
  return 0;
}

export async function cancel(c: Context, id: string, o: { reason?: string }): Promise<number> {
  const { task } = await c.client.cancel({ taskId: id, reason: o.reason ?? "" }, { signal: c.signal });
  await c.term.out(`${task!.id} ${stateName(task!.state)}${task!.message ? ` (${task!.message})` : ""}\n`);
  return 0;
}

/**
 * A live view of one task or all: on a TTY a table redrawn in place (newest first, cut to the
 * screen), otherwise one line per change. Reconnects like followLogs (Watch resends the current
 * state first). Ends on Ctrl-C, or when the one watched task is final.
 */
export async function watch(c: Context, id: string | undefined): Promise<number> {
  const tasks = new Map<string, Task>();
  let drawn = 0;
  const draw = async () => {
    const rows = [...tasks.values()].sort((a, b) => Number((b.createTime?.seconds ?? 0n) - (a.createTime?.seconds ?? 0n)));
    const lines = taskTable(rows.slice(0, Math.max(1, c.term.rows - 2)), c.now());
    await c.term.out(`${drawn > 0 ? `\x1b[${drawn}F` : ""}\x1b[0J${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  let drawing = Promise.resolve();
  const redraw = () => (drawing = drawing.then(draw));
  // On a TTY the ages tick even when nothing changes.
  const ticker = c.term.stdoutTty ? setInterval(() => tasks.size > 0 && void redraw(), 1000) : undefined;
  try {
    return await watchLoop();
  } finally {
    clearInterval(ticker);
    await drawing;
  }

  async function watchLoop(): Promise<number> {
    if (!c.term.stdoutTty) await c.term.out(`${plainRow(TABLE_HEADER)}\n`);
    const onRetry = (err: ConnectError, delay: number) => void c.term.err(`[trainyard] watch interrupted (${formatError(err)}); reconnecting in ${delay}ms\n`);
    try {
      for await (const task of c.client.watchTasks(id ?? "", { signal: c.signal, onRetry })) {
        tasks.set(task.id, task);
        if (c.term.stdoutTty) await redraw();
        else await c.term.out(`${plainRow(taskRow(task, c.now()))}\n`);
        if (id !== undefined && FINAL.has(task.state)) return 0;
      }
      return 0;
    } catch (e) {
      if (c.signal.aborted) return 0;
      throw e;
    }
  }
}

/** Prints the log; false when Ctrl-C stopped it. */
async function followed(c: Context, id: string, o: Omit<PrintLogsOptions, "signal">): Promise<boolean> {
  try {
    await printLogs(c.client, c.term, id, { ...o, signal: c.signal });
    return true;
  } catch (e) {
    if (c.signal.aborted && e instanceof ConnectError && e.code === Code.Canceled) {
      await c.term.err(`[trainyard] stopped following; task ${id} keeps running (trainyard cancel ${id})\n`);
      return false;
    }
    throw e;
  }
}

/** The task once final (the log ends after the final state is stored, so this is at once). */
async function finalTask(c: Context, id: string): Promise<Task> {
  for (let i = 0; ; i++) {
    const { task } = await c.client.get({ taskId: id }, { signal: c.signal });
    if (FINAL.has(task!.state) || i >= 50) return task!;
    await new Promise((r) => setTimeout(r, 100));
  }
}
