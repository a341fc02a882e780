#!/usr/bin/env node
/**
 * `trainyard`: the command line entry. Exit codes: what the command returns (submit --follow:
 * the task's, see format.ts exitCodeFor), 1 for server and connection errors (printed as
 * "trainyard: CODE: message", no stack), 2 for bad usage, 130 after Ctrl-C.
 */
import { createTrainyardClient } from "../client.js";
import { errorExit } from "./exit-code.js";
import { resolveAddress } from "./parse.js";
import { tlsFromEnv } from "./tls.js";
import { buildProgram } from "./program.js";
import { terminal } from "./terminal.js";

const term = terminal();
const interrupt = new AbortController();
process.once("SIGINT", () => {
  interrupt.abort();
  process.once("SIGINT", () => process.exit(130));
});

let code = 0;
const program = buildProgram(
  (o) => {
    const baseUrl = resolveAddress(process.env.TRAINYARD_ADDR);
    const token = o.token ?? (process.env.TRAINYARD_TOKEN || undefined);
    const tls = tlsFromEnv(process.env);
    return { client: createTrainyardClient({ baseUrl, ...(token ? { token } : {}), ...(tls ? { tls } : {}) }), term, signal: interrupt.signal, now: Date.now };
  },
  (c) => void (code = c),
);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  code = exitFor(e);
}
term.close();
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
process.exit(code);

function exitFor(e: unknown): number {
  const { code, line } = errorExit(e, interrupt.signal.aborted);
  if (line !== undefined) process.stderr.write(`trainyard: ${line}\n`);
  return code;
}
