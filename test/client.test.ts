// @trainyard/client on a real cluster: followLogs survives a scheduler restart on the same ports
// with every line exactly once, over gRPC (h2c) and over the Connect protocol on HTTP/1.1 (the
// browser entry, fetch-based) at the same time; and the HTTP/1.1 port answers plain JSON.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { createTrainyardClient, LogStream, TaskState, type LogFrame } from "@trainyard/client";
import { createTrainyardClient as createWebClient } from "@trainyard/client/web";
import { freePort, startCluster, type TestCluster } from "./harness/cluster.js";
import { sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
let address: string;
let httpAddress: string;
beforeAll(async () => {
  address = `127.0.0.1:${await freePort()}`;
  httpAddress = `127.0.0.1:${await freePort()}`;
  c = await startCluster("client", { schedulerAddress: address, schedulerHttpAddress: httpAddress });
});
afterAll(() => c?.stop());

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join("");

async function collect(frames: AsyncIterable<LogFrame>, out: LogFrame[], onFrame?: () => void): Promise<void> {
  for await (const f of frames) {
    out.push(f);
    onFrame?.();
  }
}

describe("followLogs", () => {
  it("resumes across a scheduler restart on the same port: every line once, in order, over gRPC and over HTTP/1.1", async () => {
    const url = `http://${address}`;
    const grpc = createTrainyardClient({ baseUrl: url });
    const web = createWebClient({ baseUrl: `http://${httpAddress}` }); // Connect protocol via fetch: HTTP/1.1
    const { task } = await grpc.submit(spec({ command: sh("for i in $(seq 1 80); do echo $i; sleep 0.05; done") }));
    const id = task!.id;

    const viaGrpc: LogFrame[] = [];
    const viaWeb: LogFrame[] = [];
    const retries = { grpc: 0, web: 0 };
    const backoff = { initialMs: 50, maxMs: 300 };
    let restarted!: () => void;
    const tenLines = new Promise<void>((r) => (restarted = r));
    const following = Promise.all([
      collect(grpc.followLogs(id, { backoff, onRetry: () => retries.grpc++ }), viaGrpc, () => {
        if (text(viaGrpc, LogStream.STDOUT).split("\n").length > 10) restarted();
      }),
      collect(web.followLogs(id, { backoff, onRetry: () => retries.web++ }), viaWeb),
    ]);

    await tenLines;
    await c.scheduler.close();
    await new Promise((r) => setTimeout(r, 700)); // followers find nothing listening meanwhile
    c.scheduler = await c.startScheduler(address, httpAddress);
    await following;

    for (const frames of [viaGrpc, viaWeb]) {
      expect(text(frames, LogStream.STDOUT)).toBe(numbered(80));
      for (let i = 1; i < frames.length; i++) expect(frames[i]!.seq).toBeGreaterThan(frames[i - 1]!.seq);
      expect(text(frames, LogStream.SYSTEM)).toContain("exited with code 0");
    }
    expect(viaWeb.map((f) => f.seq)).toEqual(viaGrpc.map((f) => f.seq));
    expect(retries.grpc).toBeGreaterThan(0);
    expect(retries.web).toBeGreaterThan(0);
    expect((await grpc.get({ taskId: id })).task!.state).toBe(TaskState.SUCCEEDED);
  });

  it("throws NOT_FOUND for an unknown task at once, over both transports", async () => {
    const { url, httpUrl } = c.scheduler;
    for (const client of [createTrainyardClient({ baseUrl: url }), createWebClient({ baseUrl: httpUrl! }), createWebClient({ baseUrl: httpUrl!, protocol: "grpc-web" })]) {
      const started = Date.now();
      const err = await (async () => {
        for await (const _ of client.followLogs("t-nope")) void _;
      })().catch((e: unknown) => e);
      expect((err as ConnectError).code).toBe(Code.NotFound);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });
});

describe("the scheduler's HTTP/1.1 port", () => {
  it("answers a plain fetch POST with JSON, and streams StreamLogs over HTTP/1.1 (Connect and gRPC-Web)", async () => {
    const url = c.scheduler.httpUrl!;
    const { task } = await c.client.submit(spec({ command: sh("echo one; echo two >&2") }));
    await c.waitForState(task!.id, TaskState.SUCCEEDED);

    const res = await fetch(`${url}/trainyard.v1.SchedulerService/Get`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ taskId: task!.id }),
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { task: { id: string; state: string; spec: { command: string[] } } };
    expect([json.task.id, json.task.state, json.task.spec.command]).toEqual([task!.id, "TASK_STATE_SUCCEEDED", ["sh", "-c", "echo one; echo two >&2"]]);

    for (const protocol of ["connect", "grpc-web"] as const) {
      const frames: LogFrame[] = [];
      for await (const r of createWebClient({ baseUrl: url, protocol }).streamLogs({ taskId: task!.id, follow: true })) frames.push(...r.frames);
      expect([text(frames, LogStream.STDOUT), text(frames, LogStream.STDERR)]).toEqual(["one\n", "two\n"]);
    }
    const viaH2c = (await c.client.get({ taskId: task!.id })).task!;
    expect(viaH2c.id).toBe(task!.id);
  });
});
