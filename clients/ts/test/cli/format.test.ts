import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { AttemptSchema, CheckpointInfoSchema, FailureReason, LogStream, NodeSchema, NodeState, TaskSchema, TaskState } from "../../src/index.js";
import { checkpointSummary, exitCodeFor, formatError, formatSystem, nodeTable, plainRow, renderFrame, spinnerText, table, taskDetail, taskTable } from "../../src/cli/format.js";

const NOW = Date.parse("2026-11-28T12:00:00Z");

describe("nodeTable", () => {
  it("shows state, free/total slots, each GPU with its holder, and when last seen", () => {
    const node = create(NodeSchema, {
      id: "gpu-1",
      state: NodeState.DRAINING,
      slots: 4,
      freeSlots: 3,
      pools: ["gpu"],
      labels: { zone: "a" },
      gpuDevices: [{ id: "0", taskId: "t-1" }, { id: "1" }],
      memoryBytes: 64n * 2n ** 30n,
      lastSeen: timestampFromMs(NOW - 2_000),
    });
    expect(nodeTable([node], NOW)).toEqual([
      "NODE   STATE     SLOTS  GPUS          CPUS  MEMORY  POOLS  LABELS  SEEN",
      "gpu-1  draining  3/4    0=t-1,1=free  -     64Gi    gpu    zone=a  2s ago",
    ]);
  });
});

describe("exitCodeFor", () => {
  it.each([
    [TaskState.SUCCEEDED, 0, FailureReason.UNSPECIFIED, 0],
    [TaskState.FAILED, 3, FailureReason.EXIT_CODE, 3],
    [TaskState.FAILED, 255, FailureReason.EXIT_CODE, 255],
    [TaskState.FAILED, 143, FailureReason.TIMEOUT, 124],
    [TaskState.FAILED, 137, FailureReason.OOM_KILLED, 137],
    [TaskState.FAILED, 0, FailureReason.IMAGE_UNAVAILABLE, 125],
    [TaskState.FAILED, 0, FailureReason.NODE_LOST, 125],
    [TaskState.FAILED, 0, FailureReason.CONTAINER_ERROR, 125],
    [TaskState.CANCELLED, 0, FailureReason.CANCELLED, 130],
    [TaskState.CANCELLED, 143, FailureReason.CANCELLED, 130],
    [TaskState.RUNNING, 0, FailureReason.UNSPECIFIED, 1],
  ])("%s with exit code %d and reason %s → %d", (state, exitCode, failureReason, code) => {
    expect(exitCodeFor({ state, exitCode, failureReason })).toBe(code);
  });
});

describe("formatError", () => {
  it("prints the gRPC code name and the raw message, no stack", () => {
    expect(formatError(new ConnectError("task t-9 not found", Code.NotFound))).toBe("NOT_FOUND: task t-9 not found");
    expect(formatError(new ConnectError("spec.image: is required", Code.InvalidArgument))).toBe("INVALID_ARGUMENT: spec.image: is required");
    expect(formatError(new ConnectError("x", Code.DeadlineExceeded))).toBe("DEADLINE_EXCEEDED: x");
    expect(formatError(new Error("plain"))).toBe("plain");
  });
});

describe("log frames", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it("sends stdout to stdout, stderr and SYSTEM to stderr, SYSTEM prefixed", () => {
    expect(renderFrame({ stream: LogStream.STDOUT, data: bytes("out\n") }, false)).toEqual({ to: "stdout", data: bytes("out\n") });
    expect(renderFrame({ stream: LogStream.STDERR, data: bytes("err\n") }, false)).toEqual({ to: "stderr", data: bytes("err\n") });
    expect(renderFrame({ stream: LogStream.SYSTEM, data: bytes("pulling image x\nexited with code 0\n") }, false)).toEqual({
      to: "stderr",
      data: "[trainyard] pulling image x\n[trainyard] exited with code 0\n",
    });
  });
  it("dims SYSTEM lines only with colour", () => {
    expect(formatSystem("a\n", true)).toBe("\x1b[2m[trainyard] a\x1b[0m\n");
    expect(formatSystem("a", false)).toBe("[trainyard] a\n");
  });
});

describe("spinnerText", () => {
  it("shows state, attempt and the newest SYSTEM line while pending or pulling", () => {
    expect(spinnerText({ state: TaskState.PENDING, attempt: 1, output: false }, 0)).toBe("⠋ PENDING · attempt 1");
    expect(spinnerText({ state: TaskState.RUNNING, attempt: 2, lastSystem: "pulling image busybox: 3 MB", output: false }, 1)).toBe(
      "⠙ RUNNING · attempt 2 · pulling image busybox: 3 MB",
    );
    expect(spinnerText({ state: TaskState.PENDING, attempt: 2, lastSystem: "attempt 2 of 4 in 5s after exit code 3", output: false }, 0)).toContain("attempt 2 of 4");
  });
  it("is gone once the task runs its command or is final", () => {
    expect(spinnerText({ state: TaskState.RUNNING, attempt: 1, lastSystem: "started", output: false }, 0)).toBeUndefined();
    expect(spinnerText({ state: TaskState.RUNNING, attempt: 1, lastSystem: "pulling image x", output: true }, 0)).toBeUndefined();
    expect(spinnerText({ state: TaskState.SUCCEEDED, attempt: 1, output: true }, 0)).toBeUndefined();
  });
  it("fits the width", () => {
    expect(spinnerText({ state: TaskState.PENDING, attempt: 1, lastSystem: "x".repeat(200), output: false }, 0, 40)!.length).toBe(40);
  });
});

describe("tables", () => {
  const task = (id: string, state: TaskState, o: { exit?: number; ageMs?: number; cmd?: string[] } = {}) =>
    create(TaskSchema, {
      id,
      state,
      exitCode: o.exit ?? 0,
      createTime: timestampFromMs(NOW - (o.ageMs ?? 5_000)),
      spec: { image: "busybox", command: o.cmd ?? ["sh", "-c", "echo hi"] },
      attempts: [{ number: 1 }],
    });

  it("aligns columns and shows exit codes only for finished tasks", () => {
    expect(taskTable([task("t-1", TaskState.RUNNING), task("t-22", TaskState.FAILED, { exit: 3, ageMs: 125_000 })], NOW)).toEqual([
      "ID    STATE    ATTEMPT  EXIT  AGE   IMAGE    COMMAND",
      "t-1   RUNNING  1              5s    busybox  sh -c echo hi",
      "t-22  FAILED   1        3     2m5s  busybox  sh -c echo hi",
    ]);
  });

  it("truncates long commands", () => {
    const [, row] = taskTable([task("t", TaskState.PENDING, { cmd: ["x".repeat(100)] })], NOW);
    expect(row!.endsWith("…")).toBe(true);
  });

  it("plainRow aligns rows printed one at a time with their header", () => {
    const header = plainRow(["ID", "STATE", "ATTEMPT", "EXIT", "AGE", "IMAGE", "COMMAND"]);
    const row = plainRow(["t-01m8hjg83g0y2e13crngd8", "SUCCEEDED", "1", "0", "3s", "busybox", "echo hi"]);
    expect(header.indexOf("STATE")).toBe(row.indexOf("SUCCEEDED"));
    expect(header.indexOf("COMMAND")).toBe(row.indexOf("echo hi"));
  });

  it("table() trims trailing spaces", () => {
    expect(table([["a", "b", ""], ["ccc", "d", "e"]])).toEqual(["a    b", "ccc  d  e"]);
  });

  it("details a task with its attempts", () => {
    const t = task("t-1", TaskState.FAILED, { exit: 3 });
    t.failureReason = FailureReason.EXIT_CODE;
    t.attempts = [create(AttemptSchema, { number: 1, nodeId: "n1", state: TaskState.FAILED, exitCode: 3, failureReason: FailureReason.EXIT_CODE, message: "exit code 3" })];
    const text = taskDetail(t, NOW).join("\n");
    expect(text).toContain("state:     FAILED");
    expect(text).toContain("failure:   EXIT_CODE, exit code 3");
    expect(text).toContain("attempt 1: FAILED on n1 EXIT_CODE (exit code 3)");
  });

  it("details the checkpoint: path and interval, and the last save (when, by which attempt, how big)", () => {
    const t = task("t-1", TaskState.RUNNING);
    t.spec!.checkpoint = { $typeName: "trainyard.v1.Checkpoint", path: "/ckpt", interval: durationFromMs(30_000) };
    expect(taskDetail(t, NOW)).toContain("checkpoint: /ckpt every 30s, none saved yet");
    t.lastCheckpoint = create(CheckpointInfoSchema, { time: timestampFromMs(NOW - 180_000), attempt: 2, sizeBytes: 1_572_864n, digest: "SHA-256=x" });
    expect(taskDetail(t, NOW)).toContain("checkpoint: /ckpt every 30s, last saved 3m ago (2026-11-28T11:57:00.000Z) by attempt 2, 1.5Mi");
    expect(taskDetail(task("t-2", TaskState.RUNNING), NOW).join("\n")).not.toContain("checkpoint");
  });
});

describe("checkpointSummary", () => {
  it("names the save the bytes are, or only their size when no record matched", () => {
    const info = create(CheckpointInfoSchema, { time: timestampFromMs(NOW - 5_000), attempt: 1, sizeBytes: 2048n });
    expect(checkpointSummary("t-1", info, 2048, "out/ckpt", NOW)).toBe("[trainyard] checkpoint of t-1 saved 5s ago (2026-11-28T11:59:55.000Z) by attempt 1, 2Ki → out/ckpt");
    expect(checkpointSummary("t-1", undefined, 2048, "stdout", NOW)).toBe("[trainyard] checkpoint of t-1: 2Ki → stdout");
  });
});
