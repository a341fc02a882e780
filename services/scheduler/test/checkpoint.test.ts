/**
 * Checkpoints on the scheduler's side, pure: TaskSpec.checkpoint validated (validateSubmit), the
 * checkpoint event recorded only from the holder's current attempt and only when newer, and the
 * saves an applied event leaves nobody to restore (deleted by the event consumer).
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { checkpointName, InvalidArgumentError, type AgentEvent, type TaskRecord } from "@trainyard/common";
import { SubmitRequestSchema, TaskSpecSchema } from "@trainyard/client";
import { supersededSaves } from "../src/bus/event-consumer.js";
import { isUnclaimedSave, parseCheckpointName } from "../src/core/checkpoint.js";
import { validateSubmit } from "../src/core/spec.js";
import { transition, type Input } from "../src/core/transition.js";
import { deepFreeze, NODE, spec, states, T, TASK_ID } from "./fixtures.js";

type SpecInit = Exclude<MessageInitShape<typeof TaskSpecSchema>, { $typeName: string }>;
const req = (s: Partial<SpecInit>) => create(SubmitRequestSchema, { spec: { image: "busybox", command: ["true"], ...s } });
const field = (s: Partial<SpecInit>) => {
  try {
    validateSubmit(req(s));
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as InvalidArgumentError).field;
  }
  return "accepted";
};

describe("TaskSpec.checkpoint", () => {
  it.each([
    ["no path", { checkpoint: { path: "" } }, "spec.checkpoint.path"],
    ["a relative path", { checkpoint: { path: "ckpt" } }, "spec.checkpoint.path"],
    ["/", { checkpoint: { path: "/" } }, "spec.checkpoint.path"],
    ["a path not normalized", { checkpoint: { path: "/a/../b" } }, "spec.checkpoint.path"],
    ["a trailing slash", { checkpoint: { path: "/ckpt/" } }, "spec.checkpoint.path"],
    ["a control character", { checkpoint: { path: "/ck\npt" } }, "spec.checkpoint.path"],
    ["an interval under 1s", { checkpoint: { path: "/c", interval: { seconds: 0n, nanos: 5e8 } } }, "spec.checkpoint.interval"],
    ["an interval over a day", { checkpoint: { path: "/c", interval: { seconds: 86_401n } } }, "spec.checkpoint.interval"],
    ["a negative interval", { checkpoint: { path: "/c", interval: { seconds: -1n } } }, "spec.checkpoint.interval"],
    ["a read-only root filesystem without a mount under the path", { checkpoint: { path: "/tmp/c" }, readOnlyRootfs: true }, "spec.checkpoint.path"],
    ["a path on a read-only mount", { checkpoint: { path: "/data/c" }, mounts: [{ source: "vol1", target: "/data", readOnly: true, type: 1 }] }, "spec.checkpoint.path"],
  ] as const)("refuses %s, naming the field", (_, s, f) => {
    expect(field(s as Partial<SpecInit>)).toBe(f);
  });

  it("defaults the interval to 60s, and takes a path on a writable mount with a read-only root filesystem", () => {
    expect(validateSubmit(req({ checkpoint: { path: "/ckpt" } })).spec.checkpoint).toEqual({ path: "/ckpt", intervalMs: 60_000 });
    const s = validateSubmit(req({ checkpoint: { path: "/data/run/c", interval: { seconds: 5n } }, readOnlyRootfs: true, mounts: [{ source: "vol1", target: "/data", type: 1 }] })).spec;
    expect(s.checkpoint).toEqual({ path: "/data/run/c", intervalMs: 5_000 });
    expect(validateSubmit(req({})).spec).not.toHaveProperty("checkpoint");
  });
});

const withCkpt = spec({ checkpoint: { path: "/ckpt", intervalMs: 1_000 } });
const DIGEST = `SHA-256=${"A".repeat(43)}=`;
const saved = (attempt: number, time: number, nodeId = NODE, holder: string | null = nodeId): Input => ({
  type: "checkpoint",
  taskId: TASK_ID,
  nodeId,
  holder,
  attempt,
  time,
  sizeBytes: 10,
  digest: DIGEST,
});

describe("transition: checkpoint", () => {
  it("records the save of the holder's current attempt as Task.last_checkpoint, without a history entry or a log line", () => {
    const before = deepFreeze(states["RUNNING started"](withCkpt));
    const r = transition(before, saved(1, T.now));
    expect(r.changed).toBe(true);
    expect(r.task.lastCheckpoint).toEqual({ attempt: 1, time: T.now, sizeBytes: 10, digest: DIGEST });
    expect(r.lines).toEqual([]);
    expect(r.task.history ?? []).toEqual(before.history ?? []);
    expect(r.task.state).toBe("RUNNING");
  });

  it("takes only a newer save: an older or the same one changes nothing", () => {
    const t = transition(states["RUNNING started"](withCkpt), saved(1, T.now)).task;
    expect(transition(t, saved(1, T.now)).changed).toBe(false);
    expect(transition(t, saved(1, T.now - 1)).changed).toBe(false);
    expect(transition(t, saved(1, T.now + 1)).task.lastCheckpoint?.time).toBe(T.now + 1);
  });

  it("refuses a fenced attempt's late save (a later attempt is current), another node's, a final task's, and one of a task that asked for none", () => {
    const lost = transition(states["RUNNING started"](withCkpt), { type: "node-lost", taskId: TASK_ID, attempt: 1, nodeId: NODE, lapse: { kind: "silent", nodeId: NODE, silentMs: 20_000 }, time: T.now }).task;
    expect(lost.attempts).toHaveLength(2);
    expect(transition(lost, saved(1, T.now + 5)).changed).toBe(false);
    expect(transition(states["RUNNING started"](withCkpt), saved(1, T.now, "other-node")).changed).toBe(false);
    expect(transition(states.SUCCEEDED(withCkpt), saved(1, T.now)).changed).toBe(false);
    expect(transition(states["RUNNING started"](), saved(1, T.now)).changed).toBe(false);
  });
});

describe("supersededSaves: what the event consumer deletes", () => {
  const ev = (attempt: number, time: number): AgentEvent => ({ type: "checkpoint", taskId: TASK_ID, nodeId: NODE, attempt, time, sizeBytes: 1, digest: DIGEST });
  const rec = (last?: { attempt: number; time: number }): TaskRecord => ({ ...states["RUNNING started"](withCkpt), ...(last ? { lastCheckpoint: { ...last, sizeBytes: 1, digest: DIGEST } } : {}) });

  it("a refused save goes; a taken one replaces (and deletes) the one before; a redelivered one deletes nothing", () => {
    expect(supersededSaves(ev(1, 5), undefined, rec({ attempt: 2, time: 9 }))).toEqual([checkpointName(TASK_ID, { attempt: 1, time: 5 })]);
    expect(supersededSaves(ev(1, 9), rec({ attempt: 1, time: 5 }), rec({ attempt: 1, time: 9 }))).toEqual([checkpointName(TASK_ID, { attempt: 1, time: 5 })]);
    expect(supersededSaves(ev(1, 9), undefined, rec({ attempt: 1, time: 9 }))).toEqual([]);
    expect(supersededSaves(ev(1, 9), rec(), rec({ attempt: 1, time: 9 }))).toEqual([]);
    expect(supersededSaves({ type: "started", taskId: TASK_ID, nodeId: NODE, attempt: 1, containerId: "c", time: 1 }, undefined, rec())).toEqual([]);
  });
});

describe("the sweep's decision", () => {
  const name = checkpointName("t-abc.def", { attempt: 3, time: 1_700_000_000_123 });
  it("parses a save's name back, task ids with dots included", () => {
    expect(parseCheckpointName(name)).toEqual({ taskId: "t-abc.def", attempt: 3, time: 1_700_000_000_123 });
    expect(parseCheckpointName("not-a-save")).toBeNull();
  });
  it("deletes a save past the grace whose task is gone or records another; never the recorded one, never a young one", () => {
    expect(isUnclaimedSave(name, 0, undefined, 10_000, 5_000)).toBe(true);
    expect(isUnclaimedSave(name, 0, "other", 10_000, 5_000)).toBe(true);
    expect(isUnclaimedSave(name, 0, null, 10_000, 5_000)).toBe(true);
    expect(isUnclaimedSave(name, 0, name, 10_000, 5_000)).toBe(false);
    expect(isUnclaimedSave(name, 8_000, undefined, 10_000, 5_000)).toBe(false);
  });
});
