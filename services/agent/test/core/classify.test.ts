/**
 * How an attempt ended (core/classify.ts): the agent's own stop wins over what Docker reports,
 * then OOMKilled, then the exit code; and the words narrate renders for each (the attempt's
 * message and the log's last SYSTEM line).
 */
import { describe, expect, it } from "vitest";
import { endLine, endMessage, MAX_ERROR_CHARS, type AttemptEnd, type FailureReason, type StopCause } from "@trainyard/common";
import { classify, ended } from "../../src/core/classify.js";

const exits = [
  { exitCode: 0, oomKilled: false },
  { exitCode: 1, oomKilled: false },
  { exitCode: 137, oomKilled: true },
  { exitCode: 143, oomKilled: false },
];

describe("classify a stop the agent made", () => {
  const causes: [string, StopCause, FailureReason, string][] = [
    ["cancel with a reason", { kind: "cancel", reason: "by user" }, "CANCELLED", "cancelled: by user"],
    ["cancel without a reason", { kind: "cancel", reason: "" }, "CANCELLED", "cancelled"],
    ["superseded", { kind: "superseded" }, "CANCELLED", "stopped: the attempt is no longer current"],
    ["timeout", { kind: "timeout", afterMs: 30_000 }, "TIMEOUT", "killed after timeout 30s"],
    ["shutdown", { kind: "shutdown" }, "CONTAINER_ERROR", "stopped because the agent shut down"],
    ["drain", { kind: "drain" }, "NODE_LOST", "stopped: the node was drained"],
    [
      "isolation",
      { kind: "isolated", silentMs: 9_500, leaseMs: 15_000, graceMs: 3_000 },
      "NODE_LOST",
      "stopped: no contact with NATS for 9.5s (lease 15s): another node may run this task",
    ],
  ];
  const rows = causes.flatMap(([name, cause, reason, message]) =>
    exits.map((exit) => [`${name} wins over exit code ${exit.exitCode}${exit.oomKilled ? " (OOM killed)" : ""}`, exit, cause, reason, message] as const),
  );
  it.each(rows)("%s", (_, exit, cause, failureReason, message) => {
    const end = ended(exit, cause);
    expect(end).toEqual({ kind: "stopped", cause, exitCode: exit.exitCode });
    expect(classify(end)).toEqual({ exitCode: exit.exitCode, failureReason, end });
    expect(endMessage(end)).toBe(message);
  });
});

describe("classify an exit", () => {
  it.each<[string, { exitCode: number; oomKilled: boolean }, FailureReason | undefined, string, string]>([
    ["OOMKilled wins over the exit code", { exitCode: 137, oomKilled: true }, "OOM_KILLED", "OOM killed (exit code 137)", "oom killed: OOM killed (exit code 137)"],
    ["OOMKilled even with exit code 0", { exitCode: 0, oomKilled: true }, "OOM_KILLED", "OOM killed (exit code 0)", "oom killed: OOM killed (exit code 0)"],
    ["a non-zero exit code", { exitCode: 3, oomKilled: false }, "EXIT_CODE", "exit code 3", "exited with code 3"],
    ["exit code 137 without OOMKilled (killed by someone else)", { exitCode: 137, oomKilled: false }, "EXIT_CODE", "exit code 137", "exited with code 137"],
    ["a negative exit code", { exitCode: -1, oomKilled: false }, "EXIT_CODE", "exit code -1", "exited with code -1"],
    ["exit code 0 is success: no failure reason", { exitCode: 0, oomKilled: false }, undefined, "exit code 0", "exited with code 0"],
  ])("%s", (_, exit, failureReason, message, line) => {
    const end = ended(exit);
    const o = classify(end);
    expect(o).toEqual(failureReason ? { exitCode: exit.exitCode, failureReason, end } : { exitCode: exit.exitCode, end });
    expect(endMessage(end)).toBe(message);
    expect(endLine(o)).toBe(line);
  });
});

describe("classify what kept the container from running or ending", () => {
  it.each<[AttemptEnd, FailureReason, string]>([
    [{ kind: "image-unavailable", error: "manifest unknown", permanent: true }, "IMAGE_UNAVAILABLE", "image unavailable: manifest unknown"],
    [{ kind: "mount-refused", error: "mount spec.mounts[0]: host path /etc is not allowed" }, "CONTAINER_ERROR", "container error: mount spec.mounts[0]: host path /etc is not allowed"],
    [{ kind: "never-started" }, "CONTAINER_ERROR", "container error: the container was created but never started (the agent restarted)"],
    [{ kind: "restarted-before-start" }, "CONTAINER_ERROR", "container error: the agent restarted before the container started"],
    [{ kind: "container-error", error: "the Docker Engine restarted while the container ran" }, "CONTAINER_ERROR", "container error: the Docker Engine restarted while the container ran"],
  ])("%j → %s, exit code -1", (end, failureReason, line) => {
    const o = classify(end);
    expect(o).toEqual({ exitCode: -1, failureReason, end });
    expect(endLine(o)).toBe(line);
  });

  it.each([
    [1_500, "killed after timeout 1.5s"],
    [90_000, "killed after timeout 1m30s"],
    [500, "killed after timeout 500ms"],
  ])("a timeout after %i ms says %j", (afterMs, message) => {
    expect(endMessage(ended({ exitCode: 137, oomKilled: false }, { kind: "timeout", afterMs }))).toBe(message);
  });
});

describe("words of what Docker or the host said", () => {
  it("are kept to MAX_ERROR_CHARS in the attempt's message", () => {
    const message = endMessage({ kind: "container-error", error: "e".repeat(5_000) });
    expect(message).toHaveLength(MAX_ERROR_CHARS);
    expect(message.endsWith("…")).toBe(true);
    expect(endMessage({ kind: "container-error", error: "short" })).toBe("short");
  });
});
