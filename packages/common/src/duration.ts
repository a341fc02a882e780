import { durationToMs, formatDuration } from "@trainyard/client/units";
import { InvalidArgumentError } from "./errors.js";

export { formatDuration };

/**
 * Parses "500ms", "15s", "10m", "1h30m", "7d" (or a bare number of seconds) into milliseconds.
 * Throws InvalidArgumentError naming `field` when the text is not a duration. The parsing itself
 * lives in the client package (clients/ts/src/units.ts), which the CLI shares.
 */
export function parseDuration(text: string, field: string): number {
  if (text.trim().length === 0) throw new InvalidArgumentError(field, "empty duration");
  const ms = durationToMs(text);
  if (ms === undefined) throw new InvalidArgumentError(field, `${JSON.stringify(text)} is not a duration (try "15s", "10m", "1h")`);
  return ms;
}
