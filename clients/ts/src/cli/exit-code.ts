/**
 * The exit code of a command that threw, and the line to print for it (main.ts prints it as
 * "trainyard: <line>"): 2 for bad usage (commander printed its own message already), 1 for a
 * server or connection error, 130 for one caused by Ctrl-C, 1 for anything else.
 */
import { CommanderError } from "commander";
import { ConnectError } from "@connectrpc/connect";
import { formatError } from "./format.js";
import { UsageError } from "./parse.js";

export function errorExit(e: unknown, interrupted: boolean): { code: number; line?: string } {
  if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2 };
  if (e instanceof UsageError) return { code: 2, line: e.message };
  if (e instanceof ConnectError) return { code: interrupted ? 130 : 1, line: formatError(e) };
  return { code: 1, line: formatError(e) };
}
