/** How an attempt ended (runner/classify.ts): the agent's own stop wins over what Docker reports. */
import { describe, expect, it } from "vitest";
import type { Outcome } from "@trainyard/common";
import { classify, type StopCause } from "../../src/core/classify.js";

const exits = [
  { exitCode: 0, oomKilled: false },
  { exitCode: 1, oomKilled: false },
  { exitCode: 137, oomKilled: true },
  { exitCode: 143, oomKilled: false },
];

describe("classify", () => {
  const causes: [string, StopCause, (exitCode: number) => Outcome][] = [
    ["cancel with a reason", { kind: "cancel", reason: "by user" }, (exitCode) => ({ exitCode, failureReason: "CANCELLED", message: "cancelled: by user" })],
    ["cancel without a reason", { kind: "cancel", reason: "" }, (exitCode) => ({ exitCode, failureReason: "CANCELLED", message: "cancelled" })],
    ["superseded", { kind: "superseded" }, (exitCode) => ({ exitCode, failureReason: "CANCELLED", message: "stopped: the attempt is no longer current" })],
    ["timeout", { kind: "timeout", afterMs: 30_000 }, (exitCode) => ({ exitCode, failureReason: "TIMEOUT", message: "killed after timeout 30s" })],
    ["shutdown", { kind: "shutdown" }, (exitCode) => ({ exitCode, failureReason: "CONTAINER_ERROR", message: "stopped because the agent shut down" })],
  ];
  const rows = causes.flatMap(([name, cause, expected]) =>
    exits.map((exit) => [`${name} wins over exit code ${exit.exitCode}${exit.oomKilled ? " (OOM killed)" : ""}`, exit, cause, expected(exit.exitCode)] as const),
  );
  it.each(rows)("%s", (_, exit, cause, expected) => {
    expect(classify(exit, cause)).toEqual(expected);
  });

  it.each([
    ["OOMKilled wins over the exit code", { exitCode: 137, oomKilled: true }, { exitCode: 137, failureReason: "OOM_KILLED", message: "OOM killed (exit code 137)" }],
    ["OOMKilled even with exit code 0", { exitCode: 0, oomKilled: true }, { exitCode: 0, failureReason: "OOM_KILLED", message: "OOM killed (exit code 0)" }],
    ["a non-zero exit code", { exitCode: 3, oomKilled: false }, { exitCode: 3, failureReason: "EXIT_CODE", message: "exit code 3" }],
    ["exit code 137 without OOMKilled (killed by someone else)", { exitCode: 137, oomKilled: false }, { exitCode: 137, failureReason: "EXIT_CODE", message: "exit code 137" }],
    ["a negative exit code", { exitCode: -1, oomKilled: false }, { exitCode: -1, failureReason: "EXIT_CODE", message: "exit code -1" }],
    ["exit code 0 is success: no failure reason", { exitCode: 0, oomKilled: false }, { exitCode: 0, message: "exit code 0" }],
  ] as const)("no stop cause: %s", (_, exit, expected) => {
    const o = classify(exit);
    expect(o).toEqual(expected);
    if (!("failureReason" in expected)) expect(o).not.toHaveProperty("failureReason");
  });

  it.each([
    [1_500, "killed after timeout 1.5s"],
    [90_000, "killed after timeout 1m30s"],
    [500, "killed after timeout 500ms"],
  ])("a timeout after %i ms says %j", (afterMs, message) => {
    expect(classify({ exitCode: 137, oomKilled: false }, { kind: "timeout", afterMs }).message).toBe(message);
  });
});
