/** Cancel in memory: pending ends at once, running is marked for its agent, final is unchanged. */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { FailureReason, TaskState } from "@trainyard/client";
import { memoryScheduler, type MemoryScheduler } from "../memory.js";

const spec = { image: "busybox", command: ["sleep", "60"] };

async function running(s: MemoryScheduler): Promise<string> {
  const id = (await s.client.submit({ spec })).task!.id;
  const time = s.now.ms;
  await s.deps.applier.apply(id, { type: "claimed", taskId: id, attempt: 1, nodeId: "n1", holder: "n1", time });
  await s.deps.applier.apply(id, { type: "started", taskId: id, attempt: 1, nodeId: "n1", holder: "n1", containerId: "c1", time });
  return id;
}

describe("Cancel", () => {
  it("ends a PENDING task CANCELLED at once, with a SYSTEM line", async () => {
    const s = memoryScheduler();
    const id = (await s.client.submit({ spec })).task!.id;
    const { task } = await s.client.cancel({ taskId: id, reason: "by user" });
    expect(task).toMatchObject({ state: TaskState.CANCELLED, failureReason: FailureReason.CANCELLED, message: "cancelled: by user" });
    expect(s.systemLog.lines).toEqual([{ taskId: id, attempt: 1, text: "cancelled: by user (while pending)", fence: false }]);
  });

  it("records the request on a RUNNING task and leaves it RUNNING for its agent to stop", async () => {
    const s = memoryScheduler();
    const id = await running(s);
    const { task } = await s.client.cancel({ taskId: id, reason: "by user" });
    expect(task).toMatchObject({ state: TaskState.RUNNING, message: "cancelling: by user" });
    expect(s.store.records.get(id)!.task.cancel).toMatchObject({ reason: "by user" });
    expect(s.deps.view.get(id)!.cancel).toMatchObject({ reason: "by user" });
  });

  it("returns a final task unchanged", async () => {
    const s = memoryScheduler();
    const id = (await s.client.submit({ spec })).task!.id;
    const cancelled = (await s.client.cancel({ taskId: id })).task;
    const revision = s.store.records.get(id)!.revision;
    expect((await s.client.cancel({ taskId: id, reason: "again" })).task).toEqual(cancelled);
    expect(s.store.records.get(id)!.revision).toBe(revision);
  });

  it.each([
    ["an unknown task: NOT_FOUND", { taskId: "t-nope" }, Code.NotFound],
    ["a reason over 1024 characters: INVALID_ARGUMENT", { taskId: "t-nope", reason: "x".repeat(1025) }, Code.InvalidArgument],
  ])("%s", async (_, req, code) => {
    await expect(memoryScheduler().client.cancel(req)).rejects.toMatchObject({ code });
  });
});
