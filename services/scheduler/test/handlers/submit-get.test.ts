/** Submit and Get in memory (createRouterTransport over the real handlers and error boundary). */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { TaskState } from "@trainyard/client";
import { BadRequestSchema } from "@trainyard/common/grpc/index";
import { memoryScheduler } from "../memory.js";

const spec = { image: "busybox", command: ["sh", "-c", "echo hi"] };

describe("Submit", () => {
  it("stores the task PENDING on attempt 1 with every default resolved, and Get returns the same", async () => {
    const s = memoryScheduler();
    const { task } = await s.client.submit({ spec });
    expect(task).toMatchObject({ state: TaskState.PENDING, message: "waiting for an agent in pool default", spec: { pool: "default", retry: { maxRetries: 3 } } });
    expect(task!.attempts.map((a) => [a.number, a.state])).toEqual([[1, TaskState.PENDING]]);
    expect((await s.client.get({ taskId: task!.id })).task).toEqual(task);
    expect(s.store.records.size).toBe(1);
  });

  it("puts the task in this replica's view at once (List sees it)", async () => {
    const s = memoryScheduler();
    const { task } = await s.client.submit({ spec });
    expect((await s.client.list({})).tasks.map((t) => t.id)).toEqual([task!.id]);
  });

  it("answers a bad spec INVALID_ARGUMENT naming the field, with a BadRequest detail, and stores nothing", async () => {
    const s = memoryScheduler();
    const err = await s.client.submit({ spec: { ...spec, resources: { cpus: -1 } } }).then(
      () => expect.unreachable(),
      (e: unknown) => ConnectError.from(e),
    );
    expect(err).toMatchObject({ code: Code.InvalidArgument, rawMessage: "spec.resources.cpus: must be between 0 and 1024" });
    expect(err.findDetails(BadRequestSchema)).toMatchObject([{ fieldViolations: [{ field: "spec.resources.cpus" }] }]);
    await expect(s.client.submit({})).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: "spec: is required" });
    expect(s.store.records.size).toBe(0);
  });

  it("returns the first task for a repeated idempotency key, and stores one", async () => {
    const s = memoryScheduler();
    const first = (await s.client.submit({ spec, idempotencyKey: "run-42" })).task!;
    const again = (await s.client.submit({ spec: { ...spec, image: "other" }, idempotencyKey: "run-42" })).task!;
    expect(again.id).toBe(first.id);
    expect(again.spec!.image).toBe("busybox");
    expect(s.store.records.size).toBe(1);
  });
});

describe("Get", () => {
  it.each([
    ["an unknown task: NOT_FOUND", "t-nope", Code.NotFound, 'task "t-nope" not found'],
    ["no id: INVALID_ARGUMENT", "", Code.InvalidArgument, "task_id: is required"],
    ["an id that is no task id: INVALID_ARGUMENT", "a.b", Code.InvalidArgument, 'task_id: "a.b" is not a task id'],
  ])("%s", async (_, taskId, code, rawMessage) => {
    await expect(memoryScheduler().client.get({ taskId })).rejects.toMatchObject({ code, rawMessage });
  });
});
