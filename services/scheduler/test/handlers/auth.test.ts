/**
 * Tokens, roles and namespaces in memory: every RPC refuses a missing, unknown or expired token
 * (UNAUTHENTICATED); each role can do exactly its list (PERMISSION_DENIED otherwise); a second
 * namespace sees nothing of the first (NOT_FOUND, never listed or watched); idempotency keys are
 * per namespace. test/auth.test.ts runs the same over real ports, NATS and Docker.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { parseAuthFile } from "@trainyard/common";
import { memoryScheduler } from "../memory.js";

const T = { alice: "alice-token-0123456789", bob: "bob-token-0123456789xx", viewer: "viewer-token-0123456789", ops: "ops-token-0123456789xxx", old: "old-token-0123456789xxx" };
const auth = parseAuthFile(`
tokens:
  - { name: alice, token: ${T.alice}, role: submitter, namespace: team-a }
  - { name: bob, token: ${T.bob}, role: submitter, namespace: team-b }
  - { name: carol, token: ${T.viewer}, role: viewer, namespace: team-a }
  - { name: ops, token: ${T.ops}, role: admin, namespace: "*" }
  - { name: old, token: ${T.old}, role: admin, namespace: "*", expires: 2020-01-01T00:00:00Z }
`);
const spec = { image: "busybox", command: ["true"] };

describe("authentication", () => {
  const s = memoryScheduler({ auth });
  const calls: [string, (c: ReturnType<typeof s.as>) => Promise<unknown>][] = [
    ["Submit", (c) => c.submit({ spec })],
    ["Get", (c) => c.get({ taskId: "t-1" })],
    ["List", (c) => c.list({})],
    ["Cancel", (c) => c.cancel({ taskId: "t-1" })],
    ["GetEvents", (c) => c.getEvents({ taskId: "t-1" })],
    ["StreamLogs", (c) => c.streamLogs({ taskId: "t-1" })[Symbol.asyncIterator]().next()],
    ["Watch", (c) => c.watch({})[Symbol.asyncIterator]().next()],
  ];
  it.each(calls.flatMap(([rpc, call]) => [
    [`${rpc} without a token`, s.client, call, "no token"],
    [`${rpc} with an unknown token`, s.as("not-a-token-we-know-of"), call, "unknown token"],
    [`${rpc} with an expired token`, s.as(T.old), call, "token expired"],
  ] as const))("%s: UNAUTHENTICATED", async (_, client, call, message) => {
    await expect(call(client)).rejects.toMatchObject({ code: Code.Unauthenticated, rawMessage: expect.stringContaining(message) });
  });
});

describe("WhoAmI", () => {
  it("tells each caller its name, role and namespace; with auth off, anonymous admin of every namespace", async () => {
    const s = memoryScheduler({ auth });
    expect(await s.as(T.viewer).whoAmI({})).toMatchObject({ name: "carol", role: "viewer", namespace: "team-a", authEnabled: true });
    expect(await s.as(T.ops).whoAmI({})).toMatchObject({ name: "ops", role: "admin", namespace: "*", authEnabled: true });
    await expect(s.client.whoAmI({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(await memoryScheduler().client.whoAmI({})).toMatchObject({ name: "anonymous", role: "admin", namespace: "*", authEnabled: false });
  });
});

describe("roles", () => {
  it("a viewer reads but may not submit or cancel: PERMISSION_DENIED, nothing stored", async () => {
    const s = memoryScheduler({ auth });
    const id = (await s.as(T.alice).submit({ spec })).task!.id;
    const viewer = s.as(T.viewer);
    expect((await viewer.get({ taskId: id })).task!.id).toBe(id);
    expect((await viewer.list({})).tasks.map((t) => t.id)).toEqual([id]);
    await expect(viewer.submit({ spec })).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(viewer.cancel({ taskId: id })).rejects.toMatchObject({ code: Code.PermissionDenied });
    expect(s.store.records.size).toBe(1);
  });

  it("an admin sees and cancels every namespace's tasks, and submits into default", async () => {
    const s = memoryScheduler({ auth });
    const a = (await s.as(T.alice).submit({ spec })).task!.id;
    const b = (await s.as(T.bob).submit({ spec })).task!.id;
    const ops = s.as(T.ops);
    expect((await ops.list({})).tasks.map((t) => t.id).sort()).toEqual([a, b].sort());
    expect((await ops.list({ namespace: "team-b" })).tasks.map((t) => t.id)).toEqual([b]);
    expect((await ops.cancel({ taskId: a })).task!.state).toBeDefined();
    const own = (await ops.submit({ spec })).task!;
    expect(own).toMatchObject({ namespace: "default", createdBy: "ops" });
  });
});

describe("namespaces", () => {
  it("records the submitter's namespace and name on the task and in its history", async () => {
    const s = memoryScheduler({ auth });
    const task = (await s.as(T.alice).submit({ spec })).task!;
    expect(task).toMatchObject({ namespace: "team-a", createdBy: "alice" });
    await s.as(T.alice).cancel({ taskId: task.id, reason: "done" });
    const { events } = await s.as(T.alice).getEvents({ taskId: task.id });
    expect(events.map((e) => [e.type, e.principal])).toEqual([
      ["submitted", "alice"],
      ["cancelled", "alice"],
    ]);
  });

  it("another namespace's task is NOT_FOUND to Get, GetEvents, StreamLogs, Cancel and Watch, and never listed or watched", async () => {
    const s = memoryScheduler({ auth });
    const id = (await s.as(T.alice).submit({ spec })).task!.id;
    const bob = s.as(T.bob);
    const notFound = { code: Code.NotFound, rawMessage: `task "${id}" not found` };
    await expect(bob.get({ taskId: id })).rejects.toMatchObject(notFound);
    await expect(bob.getEvents({ taskId: id })).rejects.toMatchObject(notFound);
    await expect(bob.cancel({ taskId: id })).rejects.toMatchObject(notFound);
    await expect(bob.streamLogs({ taskId: id })[Symbol.asyncIterator]().next()).rejects.toMatchObject(notFound);
    await expect(bob.watch({ taskId: id })[Symbol.asyncIterator]().next()).rejects.toMatchObject(notFound);
    expect((await bob.list({})).tasks).toEqual([]);
    expect(s.store.records.get(id)!.task.state).toBe("PENDING");

    const own = (await bob.submit({ spec })).task!.id;
    const seen: string[] = [];
    for await (const r of bob.watch({})) {
      seen.push(r.task!.id);
      if (seen.length === 1) await s.as(T.alice).submit({ spec });
      if (seen.length === 1) await bob.cancel({ taskId: own });
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([own, own]);
  });

  it("naming another namespace in List is PERMISSION_DENIED; one's own is fine", async () => {
    const s = memoryScheduler({ auth });
    await expect(s.as(T.alice).list({ namespace: "team-b" })).rejects.toMatchObject({ code: Code.PermissionDenied });
    expect((await s.as(T.alice).list({ namespace: "team-a" })).tasks).toEqual([]);
  });

  it("keeps idempotency keys per namespace: the same key in two namespaces is two tasks", async () => {
    const s = memoryScheduler({ auth });
    const a1 = (await s.as(T.alice).submit({ spec, idempotencyKey: "nightly" })).task!.id;
    const a2 = (await s.as(T.alice).submit({ spec, idempotencyKey: "nightly" })).task!.id;
    const b1 = (await s.as(T.bob).submit({ spec, idempotencyKey: "nightly" })).task!.id;
    expect(a2).toBe(a1);
    expect(b1).not.toBe(a1);
    expect((await s.as(T.bob).get({ taskId: b1 })).task!.namespace).toBe("team-b");
  });
});

describe("without an auth file", () => {
  it("every caller is an admin of every namespace, named anonymous, submitting into default", async () => {
    const s = memoryScheduler();
    const task = (await s.client.submit({ spec })).task!;
    expect(task).toMatchObject({ namespace: "default", createdBy: "anonymous" });
  });
});
