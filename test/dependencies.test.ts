// Dependencies on real NATS and Docker, with the scheduler and the agent as processes: the
// three conditions, the cascade of a dependency that failed, the waiting message, unknown
// parents refused at Submit, and a scheduler killed (-9) the moment a parent ends: the next one
// still starts the child.
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DependencyCondition as C, FailureReason, TaskState, type Task } from "@trainyard/client";
import { startProcessCluster, type ProcessCluster } from "./harness/processes.js";
import { sh, spec, waitFinal } from "./harness/tasks.js";

let c: ProcessCluster;
beforeAll(async () => {
  c = await startProcessCluster("deps", 4);
});
afterAll(() => c?.stop());

const submit = async (script: string, dependsOn: { taskId: string; condition?: C }[] = []) => (await c.scheduler.client.submit(spec({ command: sh(script), dependsOn }))).task!;
const final = (t: Task) => waitFinal(c.scheduler.client, t.id, 90_000);

describe("depends_on", () => {
  it("succeeded, finished and failed conditions; a condition that can never hold cancels the child, and its own dependents after it", async () => {
    const ok = await submit("sleep 1");
    const bad = await submit("sleep 1; exit 3");
    const afterOk = await submit("echo after ok", [{ taskId: ok.id }]);
    expect(afterOk.message).toBe(`waiting for ${ok.id} to succeed`);
    const afterBad = await submit("echo never", [{ taskId: bad.id, condition: C.SUCCEEDED }]);
    const onFailure = await submit("echo on failure", [{ taskId: bad.id, condition: C.FAILED }]);
    const anyway = await submit("echo anyway", [{ taskId: ok.id, condition: C.FINISHED }, { taskId: bad.id, condition: C.FINISHED }]);
    const chained = await submit("echo chained", [{ taskId: afterBad.id }]);
    const cleanup = await submit("echo cleanup", [{ taskId: afterBad.id, condition: C.FINISHED }]);

    // While the parents run, the children wait and say for whom.
    const waiting = (await c.scheduler.client.get({ taskId: anyway.id })).task!;
    expect(waiting.state).toBe(TaskState.PENDING);
    expect(waiting.message).toMatch(/^waiting for t-\S+ to finish, t-\S+ to finish$/);

    expect((await final(ok)).state).toBe(TaskState.SUCCEEDED);
    expect((await final(bad)).state).toBe(TaskState.FAILED);
    expect((await final(afterOk)).state).toBe(TaskState.SUCCEEDED);
    expect((await final(onFailure)).state).toBe(TaskState.SUCCEEDED);
    expect((await final(anyway)).state).toBe(TaskState.SUCCEEDED);
    const never = await final(afterBad);
    expect([never.state, never.failureReason]).toEqual([TaskState.CANCELLED, FailureReason.DEPENDENCY_FAILED]);
    expect(never.message).toBe(`cancelled: dependency ${bad.id} ended FAILED; this task needed it to succeed`);
    expect(never.attempts[0]!.containerId).toBe(""); // it never ran
    const cascaded = await final(chained);
    expect([cascaded.state, cascaded.failureReason]).toEqual([TaskState.CANCELLED, FailureReason.DEPENDENCY_FAILED]);
    expect(cascaded.message).toContain(`dependency ${afterBad.id} ended CANCELLED`);
    expect((await final(cleanup)).state).toBe(TaskState.SUCCEEDED);
  });

  it("refuses an unknown parent at Submit, naming the field, and stores nothing", async () => {
    const before = (await c.scheduler.client.list({ pageSize: 1_000 })).tasks.length;
    const err = await submit("true", [{ taskId: "t-doesnotexist" }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toContain("spec.depends_on[0].task_id");
    expect((await c.scheduler.client.list({ pageSize: 1_000 })).tasks.length).toBe(before);
  });

  it("a scheduler killed the moment the parent ends: the next one still starts the child", async () => {
    const parent = await submit("sleep 2");
    const child = await submit("echo child ran", [{ taskId: parent.id }]);
    for await (const r of c.scheduler.client.watch({ taskId: parent.id })) {
      if (r.task!.state === TaskState.SUCCEEDED) break;
    }
    await c.restartScheduler();
    const done = await final(child);
    expect(done.state).toBe(TaskState.SUCCEEDED);
    expect(done.attempts).toHaveLength(1);
  });
});
