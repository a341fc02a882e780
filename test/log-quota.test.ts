// The log quota (issue 11): past TRAINYARD_ATTEMPT_LOG_MAX_BYTES an attempt's output is no longer
// published, one SYSTEM line says so and where the host file keeps the rest, the task runs on to
// SUCCEEDED, and another task on the same agent still gets all of its log.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LogStream, TaskState } from "@trainyard/client";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("log-quota", { agents: [{ slots: 2, env: { TRAINYARD_ATTEMPT_LOG_MAX_BYTES: "64k" } }] }, (x) => (c = x));

describe("log quota", () => {
  it("publishes up to the quota, says so once, keeps the rest in the host file, and the task succeeds", async () => {
    const loud = (await c.client.submit(spec({ command: sh("seq 1 50000; echo end") }))).task!.id;
    const quiet = (await c.client.submit(spec({ command: sh("for i in $(seq 1 200); do echo q$i; done") }))).task!.id;
    await Promise.all([c.waitForState(loud, TaskState.SUCCEEDED), c.waitForState(quiet, TaskState.SUCCEEDED)]);

    const frames = await readLog(c.client, loud);
    const out = text(frames, LogStream.STDOUT);
    expect(out.length).toBeLessThanOrEqual(64 * 1024);
    expect(out.length).toBeGreaterThan(60 * 1024);
    expect(out.startsWith("1\n2\n3\n")).toBe(true);
    const system = text(frames, LogStream.SYSTEM);
    expect(system.match(/is no longer published/g)).toHaveLength(1);
    expect(system).toContain("(TRAINYARD_ATTEMPT_LOG_MAX_BYTES)");
    expect(system).toContain("exited with code 0"); // SYSTEM lines still go out

    const file = await readFile(path.join(c.logDir, c.agents[0]!.nodeId, loud, "attempt-1.log"), "utf8");
    expect(file).toMatch(/ stdout 50000\n/);
    expect(file).toMatch(/ stdout end\n/);

    expect(text(await readLog(c.client, quiet), LogStream.STDOUT)).toBe(Array.from({ length: 200 }, (_, i) => `q${i + 1}\n`).join(""));
  });
});
