// The SchedulerService contract: validation stores nothing, idempotency, Get, List filters and
// paging, Watch, and the same API through @grpc/grpc-js and buf curl (reflection).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { SchedulerService, SubmitRequestSchema, TaskState, type SubmitRequest, type Task } from "@trainyard/client";
import { grpcJsClient } from "../packages/common/test/grpc/grpc-js-client.js";
import { clusterForSuite, FINAL, type TestCluster } from "./harness/cluster.js";
import { TEST_IMAGE } from "./harness/docker.js";
import { sh, spec } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("api", { agents: [{ slots: 4 }] }, (x) => (c = x));

async function storedTaskCount(): Promise<number> {
  const nc = await connect({ servers: c.nats.url });
  try {
    const kv = await new Kvm(nc).open("tasks");
    let n = 0;
    for await (const _ of await kv.keys()) n++;
    return n;
  } finally {
    await nc.close();
  }
}

const bad = (s: Record<string, unknown>, key = ""): SubmitRequest =>
  create(SubmitRequestSchema, { spec: { image: TEST_IMAGE, command: ["true"], ...s }, idempotencyKey: key } as never);

describe("Submit validation", () => {
  const cases: [string, SubmitRequest, string][] = [
    ["no spec", create(SubmitRequestSchema, {}), "spec"],
    ["empty image", bad({ image: "" }), "spec.image"],
    ["bad image reference", bad({ image: "Not A Valid/Image!" }), "spec.image"],
    ["negative cpus", bad({ resources: { cpus: -1 } }), "spec.resources.cpus"],
    ["NaN cpus", bad({ resources: { cpus: Number.NaN } }), "spec.resources.cpus"],
    ["negative memory", bad({ resources: { memoryBytes: -5n } }), "spec.resources.memory_bytes"],
    ["tiny memory", bad({ resources: { memoryBytes: 1024n } }), "spec.resources.memory_bytes"],
    ["negative gpus", bad({ resources: { gpus: -1 } }), "spec.resources.gpus"],
    ["negative timeout", bad({ timeout: { seconds: -1n, nanos: 0 } }), "spec.timeout"],
    ["negative retries", bad({ retry: { maxRetries: -1 } }), "spec.retry.max_retries"],
    ["negative retry delay", bad({ retry: { delay: { seconds: -3n, nanos: 0 } } }), "spec.retry.delay"],
    ["too many args", bad({ command: Array.from({ length: 2000 }, () => "x") }), "spec.command"],
    ["huge command", bad({ command: ["x".repeat(300 * 1024)] }), "spec.command"],
    ["bad env name", bad({ env: { "1BAD": "x" } }), "spec.env"],
    ["too many labels", bad({ labels: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, "v"])) }), "spec.labels"],
    ["bad label key", bad({ labels: { "-bad": "v" } }), "spec.labels"],
    ["bad pool", bad({ pool: "a.b" }), "spec.pool"],
    ["long idempotency key", bad({}, "k".repeat(300)), "idempotency_key"],
  ];

  it.each(cases)("rejects %s with INVALID_ARGUMENT naming the field, storing nothing", async (_name, req, field) => {
    const before = await storedTaskCount();
    const err = await c.client.submit(req).then(
      () => null,
      (e: unknown) => e as { code: number; rawMessage: string },
    );
    expect(err).not.toBeNull();
    expect(err!.code).toBe(3);
    expect(err!.rawMessage.startsWith(`${field}:`)).toBe(true);
    expect(await storedTaskCount()).toBe(before);
  });

  it("resolves defaults in the stored spec", async () => {
    const { task } = await c.client.submit(create(SubmitRequestSchema, { spec: { image: TEST_IMAGE, command: ["true"] } }));
    expect(task!.spec!.retry!.maxRetries).toBe(3);
    expect(Number(task!.spec!.retry!.delay!.seconds)).toBe(5);
    expect(task!.spec!.pool).toBe("default");
    expect(Number(task!.spec!.stopGracePeriod!.seconds)).toBe(10);
    expect(task!.state).toBe(TaskState.PENDING);
    expect(task!.attempts).toHaveLength(1);
    await c.waitForState(task!.id, TaskState.SUCCEEDED);
  });
});

describe("idempotency", () => {
  it("returns the first task for the same key, also for concurrent submits, and runs it once", async () => {
    const req = spec({ command: sh("echo once"), idempotencyKey: "train-run-42" });
    const ids = await Promise.all(Array.from({ length: 8 }, () => c.client.submit(req).then((r) => r.task!.id)));
    expect(new Set(ids).size).toBe(1);
    const done = await c.waitForState(ids[0]!, TaskState.SUCCEEDED);
    expect(done.idempotencyKey).toBe("train-run-42");
    const again = await c.client.submit(req);
    expect(again.task!.id).toBe(ids[0]);
    expect(again.task!.state).toBe(TaskState.SUCCEEDED);
    const other = await c.client.submit(spec({ command: ["true"], idempotencyKey: "train-run-43" }));
    expect(other.task!.id).not.toBe(ids[0]);
  });
});

describe("Get", () => {
  it("answers NOT_FOUND for an unknown task and INVALID_ARGUMENT for an empty id", async () => {
    await expect(c.client.get({ taskId: "t-nope" })).rejects.toMatchObject({ code: 5 });
    await expect(c.client.get({ taskId: "" })).rejects.toMatchObject({ code: 3, rawMessage: "task_id: is required" });
  });
});

describe("List", () => {
  it("filters by states and labels and pages newest first", async () => {
    const run = `r${Date.now()}`;
    const ok1 = (await c.client.submit(spec({ command: ["true"], labels: { run, team: "a" } }))).task!.id;
    const ok2 = (await c.client.submit(spec({ command: ["true"], labels: { run, team: "b" } }))).task!.id;
    const bad1 = (await c.client.submit(spec({ command: ["false"], labels: { run, team: "a" } }))).task!.id;
    for (const id of [ok1, ok2, bad1]) await c.waitFor(id, (t) => FINAL.has(t.state));

    const byRun = await c.client.list({ labels: { run } });
    expect(byRun.tasks.map((t) => t.id)).toEqual([bad1, ok2, ok1]);
    const teamA = await c.client.list({ labels: { run, team: "a" } });
    expect(teamA.tasks.map((t) => t.id)).toEqual([bad1, ok1]);
    const failed = await c.client.list({ labels: { run }, states: [TaskState.FAILED] });
    expect(failed.tasks.map((t) => t.id)).toEqual([bad1]);
    const either = await c.client.list({ labels: { run }, states: [TaskState.FAILED, TaskState.SUCCEEDED] });
    expect(either.tasks).toHaveLength(3);

    const paged: string[] = [];
    let pageToken = "";
    do {
      const page = await c.client.list({ labels: { run }, pageSize: 2, pageToken });
      expect(page.tasks.length).toBeLessThanOrEqual(2);
      paged.push(...page.tasks.map((t) => t.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(paged).toEqual([bad1, ok2, ok1]);
  });

  it("rejects a bad page token and an unspecified state", async () => {
    await expect(c.client.list({ pageToken: "garbage!" })).rejects.toMatchObject({ code: 3 });
    await expect(c.client.list({ states: [TaskState.UNSPECIFIED] })).rejects.toMatchObject({ code: 3 });
  });
});

describe("Watch", () => {
  it("sends the current state, then every change of one task, in order", async () => {
    const { task } = await c.client.submit(spec({ command: sh("sleep 0.3"), pool: "watch" }));
    const states: TaskState[] = [];
    const watching = (async () => {
      for await (const r of c.client.watch({ taskId: task!.id })) {
        states.push(r.task!.state);
        if (FINAL.has(r.task!.state)) return r.task!;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const agent = await c.startAgent({ pools: ["watch"], slots: 1 });
    const last = (await watching) as Task;
    expect(last.state).toBe(TaskState.SUCCEEDED);
    expect(states[0]).toBe(TaskState.PENDING);
    expect(states).toContain(TaskState.RUNNING);
    const order = [TaskState.PENDING, TaskState.RUNNING, TaskState.SUCCEEDED];
    expect(states.map((s) => order.indexOf(s))).toEqual([...states.map((s) => order.indexOf(s))].sort());
    await agent.close();
  });

  it("watches every task when no id is given", async () => {
    const ac = new AbortController();
    const seen = new Map<string, TaskState>();
    const ids: string[] = [];
    const watching = (async () => {
      for await (const r of c.client.watch({}, { signal: ac.signal })) {
        seen.set(r.task!.id, r.task!.state);
        if (ids.length === 2 && ids.every((id) => seen.get(id) === TaskState.SUCCEEDED)) return;
      }
    })();
    ids.push((await c.client.submit(spec({ command: ["true"] }))).task!.id);
    ids.push((await c.client.submit(spec({ command: ["true"] }))).task!.id);
    await watching;
    ac.abort();
    expect(seen.size).toBeGreaterThanOrEqual(2);
  });

  it("answers NOT_FOUND for an unknown task", async () => {
    const it = c.client.watch({ taskId: "t-unknown" })[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toMatchObject({ code: 5 });
  });
});

describe("other clients", () => {
  it("works with @grpc/grpc-js: submit, get, stream logs, NOT_FOUND", async () => {
    const g = grpcJsClient(SchedulerService, c.scheduler.url);
    try {
      const call = <T>(m: string, req: unknown) =>
        new Promise<T>((resolve, reject) => (g as never as Record<string, Function>)[m]!(req, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))));
      const sub = await call<{ task: Task }>("submit", spec({ command: sh("echo via grpc-js") }));
      const frames: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const s = (g as never as Record<string, Function>).streamLogs!({ taskId: sub.task.id, follow: true });
        s.on("data", (r: { frames: { data: Uint8Array }[] }) => frames.push(...r.frames.map((f) => Buffer.from(f.data).toString())));
        s.on("error", reject);
        s.on("end", resolve);
      });
      expect(frames.join("")).toContain("via grpc-js\n");
      const got = await call<{ task: Task }>("get", { taskId: sub.task.id });
      expect(got.task.state).toBe(TaskState.SUCCEEDED);
      await expect(call("get", { taskId: "t-missing" })).rejects.toMatchObject({ code: 5 });
    } finally {
      g.close();
    }
  });

  it("works with buf curl through server reflection (docs/api.md's lines)", async () => {
    const run = promisify(execFile);
    const buf = ["curl", "--http2-prior-knowledge", "--protocol", "grpc"];
    const body = JSON.stringify({ spec: { image: TEST_IMAGE, command: ["sh", "-c", "echo hello from buf curl"] } });
    const sub = await run("npx", ["buf", ...buf, "-d", body, `${c.scheduler.url}/trainyard.v1.SchedulerService/Submit`]);
    const id = JSON.parse(sub.stdout).task.id as string;
    const logs = await run("npx", ["buf", ...buf, "-d", JSON.stringify({ taskId: id, follow: true }), `${c.scheduler.url}/trainyard.v1.SchedulerService/StreamLogs`]);
    const data = logs.stdout.match(/"data": "([^"]+)"/g)!.map((m) => Buffer.from(m.slice(9, -1), "base64").toString());
    expect(data.join("")).toContain("hello from buf curl\n");
  });
});
