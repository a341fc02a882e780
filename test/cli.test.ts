// The `trainyard` CLI as users run it: a child process (clients/ts/dist/cli/main.js, built by
// `npm run build`) against a real cluster. Output split, exit codes passed through, JSON, filters.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskState } from "@trainyard/client";
import { startCluster, type TestCluster } from "./harness/cluster.js";
import { TEST_IMAGE } from "./harness/docker.js";
import { sh, spec } from "./harness/tasks.js";

const CLI = fileURLToPath(new URL("../clients/ts/dist/cli/main.js", import.meta.url));

let c: TestCluster;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  c = await startCluster("cli", { agents: [{ slots: 3 }] });
});
afterAll(() => c?.stop());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with TRAINYARD_ADDR set to the cluster's scheduler (host:port form). */
function trainyard(args: string[], o: { addr?: string; onStdout?: (s: string) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, TRAINYARD_ADDR: o.addr ?? c.scheduler.url.replace(/^http:\/\//, ""), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      o.onStdout?.(stdout);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const TASK_ID = /^t-[0-9a-z]+$/;

describe("trainyard submit --follow", () => {
  it("streams task stdout to stdout and stderr + SYSTEM lines to stderr, and exits with the task's exit code", async () => {
    const r = await trainyard(["submit", "--image", TEST_IMAGE, "--retries", "0", "--follow", "--", "sh", "-c", "echo out1; echo err1 >&2; echo out2; exit 3"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("out1\nout2\n");
    expect(r.stderr).toContain("err1\n");
    expect(r.stderr).toMatch(/\[trainyard\] .*exit(ed with)? code 3/);
    expect(r.stderr).not.toContain("out1");
    expect(r.stderr.split("\n")[0]).toMatch(TASK_ID); // the id, on stderr so stdout is the task's alone
  });

  it("exits 0 when the task succeeds, with env, labels and resources applied", async () => {
    const r = await trainyard([
      "submit", "--image", TEST_IMAGE, "--env", "GREETING=hello world", "--label", "suite=cli", "--memory", "64m", "--cpus", "0.5", "--timeout", "1m", "--follow",
      "sh", "-c", "echo $GREETING",
    ]);
    expect([r.code, r.stdout]).toEqual([0, "hello world\n"]);
    const id = r.stderr.split("\n")[0]!;
    const { task } = await c.client.get({ taskId: id });
    expect([task!.spec!.labels, task!.spec!.resources!.memoryBytes, task!.spec!.resources!.cpus]).toEqual([{ suite: "cli" }, 64n * 1024n * 1024n, 0.5]);
  });

  it("exits 130 when the task is cancelled while followed", async () => {
    let started = false;
    const running = trainyard(["submit", "--image", TEST_IMAGE, "-f", "--", "sh", "-c", "echo started; sleep 30"], {
      onStdout: (out) => void (started ||= out.includes("started")),
    });
    const deadline = Date.now() + 30_000;
    while (!started && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const { tasks } = await c.client.list({ states: [TaskState.RUNNING] });
    const target = tasks.find((t) => t.spec?.command.join(" ").includes("echo started; sleep 30"))!;
    const cancelled = await trainyard(["cancel", target.id]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^${target.id} (RUNNING|CANCELLED)`));
    const r = await running;
    expect(r.code).toBe(130);
    expect((await c.client.get({ taskId: target.id })).task!.state).toBe(TaskState.CANCELLED);
  });
});

describe("trainyard get, list, logs", () => {
  it("submit prints only the id; get --json parses as the task record", async () => {
    const r = await trainyard(["submit", "--image", TEST_IMAGE, "--", "echo", "hi"]);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(TASK_ID);
    await c.waitForState(id, TaskState.SUCCEEDED);
    const got = await trainyard(["get", id, "--json"]);
    expect(got.code).toBe(0);
    const json = JSON.parse(got.stdout) as { id: string; state: string; spec: { image: string; command: string[] } };
    expect([json.id, json.state, json.spec.image, json.spec.command]).toEqual([id, "TASK_STATE_SUCCEEDED", TEST_IMAGE, ["echo", "hi"]]);
    const human = await trainyard(["get", id]);
    expect(human.stdout).toContain("state:     SUCCEEDED");
  });

  it("nodes lists the agent; drain and drain --undo change its state; submit takes placement flags", async () => {
    const node = c.agents[0]!.nodeId;
    const listed = await trainyard(["nodes"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(/^NODE\s+STATE\s+SLOTS\s+GPUS/);
    expect(listed.stdout).toMatch(new RegExp(`^${node}\\s+ready\\s+\\d+/\\d+`, "m"));
    expect(await trainyard(["drain", node, "--deadline", "10m"])).toMatchObject({ code: 0, stdout: `${node} draining\n` });
    expect((await trainyard(["nodes", "--json"])).stdout).toContain('"state": "NODE_STATE_DRAINING"');
    expect(await trainyard(["drain", node, "--undo"])).toMatchObject({ code: 0, stdout: `${node} ready\n` });
    const r = await trainyard(["submit", "--image", TEST_IMAGE, "--priority", "70", "--preemptible", "--", "true"]);
    const t = await c.waitForState(r.stdout.trim(), TaskState.SUCCEEDED);
    expect([t.spec!.priority, t.spec!.preemptible]).toEqual([70, true]);
    expect((await trainyard(["drain", "no-such-node"])).stderr).toMatch(/^trainyard: NOT_FOUND/);
  });

  it("list --label keeps only matching tasks; --state filters too", async () => {
    const run = `r${Date.now()}`;
    const a = (await c.client.submit(spec({ command: sh("true"), labels: { run, kind: "a" } }))).task!.id;
    const b = (await c.client.submit(spec({ command: sh("true"), labels: { run, kind: "b" } }))).task!.id;
    await Promise.all([a, b].map((id) => c.waitForState(id, TaskState.SUCCEEDED)));
    const onlyA = await trainyard(["list", "--label", `run=${run}`, "--label", "kind=a"]);
    expect(onlyA.code).toBe(0);
    const lines = onlyA.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+STATE/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([a]);
    const both = await trainyard(["list", "--label", `run=${run}`, "--state", "succeeded", "--json"]);
    expect(((JSON.parse(both.stdout) as { tasks: { id: string }[] }).tasks.map((t) => t.id)).sort()).toEqual([a, b].sort());
    const none = await trainyard(["list", "--label", `run=${run}`, "--state", "failed"]);
    expect(none.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("logs --tail N prints the last N lines (SYSTEM lines to stderr); logs -f follows to the end", async () => {
    const id = (await c.client.submit(spec({ command: sh("seq 1 20; sleep 0.5; echo warn >&2") }))).task!.id;
    const followed = await trainyard(["logs", id, "-f"]);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe(Array.from({ length: 20 }, (_, i) => `${i + 1}\n`).join(""));
    expect(followed.stderr).toContain("warn\n");
    const tail = await trainyard(["logs", id, "--tail", "3"]);
    expect(tail.code).toBe(0);
    expect(tail.stdout).toBe("20\n");
    expect(tail.stderr).toBe("warn\n[trainyard] exited with code 0\n");
    expect((await trainyard(["logs", id, "--attempt", "2"])).stdout).toBe("");
    const recent = await trainyard(["logs", id, "--attempt", "1", "--since", "1h"]);
    expect([recent.code, recent.stdout]).toEqual([0, followed.stdout]);
    expect((await trainyard(["logs", id, "--since", "2000-01-01T00:00:00Z"])).stdout).toBe(followed.stdout);
  });

  it("submit --sweep makes an array; list --array shows its tasks in index order with counts by state", async () => {
    const sub = await trainyard(["submit", "--image", TEST_IMAGE, "--sweep", "LR=1,2", "--sweep", "BS=8,16", "--array", "%2", "--", "sh", "-c", 'echo "$TRAINYARD_ARRAY_INDEX $LR $BS"']);
    expect(sub.code).toBe(0);
    const arrayId = sub.stdout.trim();
    expect(arrayId).toMatch(/^a-/);
    let listed = "";
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      listed = (await trainyard(["list", "--array", arrayId])).stdout;
      if (listed.includes("4 tasks: 4 SUCCEEDED")) break;
    }
    expect(listed.trim().split("\n").at(-1)).toBe("4 tasks: 4 SUCCEEDED");
    const ids = listed.trim().split("\n").slice(1, -1).map((l) => l.split(/\s+/)[0]!);
    expect((await trainyard(["logs", ids[3]!])).stdout).toBe("3 2 16\n");
  });

  it("watch ID prints plain lines when stdout is not a TTY and ends with the task", async () => {
    const id = (await c.client.submit(spec({ command: sh("sleep 1") }))).task!.id;
    const r = await trainyard(["watch", id]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+STATE/);
    expect(lines.slice(1).every((l) => l.startsWith(id))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^${id}\\s+SUCCEEDED`));
    expect(r.stdout).not.toContain("\x1b[");
  });
});

describe("trainyard errors", () => {
  it.each([
    [["submit", "--image", TEST_IMAGE, "--memory", "12q", "--", "true"], /--memory: "12q" is not a size/],
    [["submit", "--image", TEST_IMAGE, "--env", "FOO", "--", "true"], /--env: expected KEY=VALUE, got "FOO"/],
    [["submit", "--", "true"], /--image/],
    [["list", "--state", "sleeping"], /--state/],
    [["logs", "t-1", "--tail", "x"], /--tail/],
    [["logs", "t-1", "--since", "yesterday"], /--since/],
    [["logs", "t-1", "--attempt", "0"], /--attempt/],
    [["submit", "--image", TEST_IMAGE, "--array", "x", "--", "true"], /--array/],
    [["frobnicate"], /unknown command/],
  ])("%j exits 2 with a clear message", async (args, message) => {
    const r = await trainyard(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  it("prints server errors as CODE: message without a stack trace, exit 1", async () => {
    const missing = await trainyard(["get", "t-doesnotexist"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^trainyard: NOT_FOUND: .*t-doesnotexist/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const invalid = await trainyard(["submit", "--image", "UPPER:case::bad", "--", "true"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^trainyard: INVALID_ARGUMENT: spec\.image/);
    const down = await trainyard(["list"], { addr: "http://127.0.0.1:1" });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^trainyard: UNAVAILABLE: /);
  });
});
