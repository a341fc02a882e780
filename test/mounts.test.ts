// TaskSpec.mounts on real NATS and real Docker: a named volume carries files from one task to
// the next; a bind mount under TRAINYARD_ALLOWED_HOST_PATHS works and read_only holds; a host
// path outside it (directly or through a symlink) fails the task at once, never retried; a bad
// mount is INVALID_ARGUMENT and nothing is stored. Volumes created here are removed afterwards.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FailureReason, LogStream, TaskState } from "@trainyard/client";
import { startCluster, type TestCluster } from "./harness/cluster.js";
import { dockerRequest, removeVolumes, volumeLabels } from "./harness/docker.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
let allowed: string;
const volumes = new Set<string>();
const volume = (what: string) => {
  const name = `trainyard-test-${what}-${randomBytes(4).toString("hex")}`;
  volumes.add(name);
  return name;
};

beforeAll(async () => {
  allowed = realpathSync(mkdtempSync(path.join(os.tmpdir(), "trainyard-mounts-allowed-")));
  c = await startCluster("mounts", { agents: [{ slots: 2, env: { TRAINYARD_ALLOWED_HOST_PATHS: allowed } }] });
});
afterAll(async () => {
  await c?.stop();
  await removeVolumes(volumes);
  if (allowed) rmSync(allowed, { recursive: true, force: true });
});

describe("named volumes", () => {
  it("a file one task writes to a volume is there for the next task, which mounts it read-only", async () => {
    const vol = volume("share");
    const { task: writer } = await c.client.submit(
      spec({ command: sh('echo "written by $TRAINYARD_TASK_ID" > /vol/note.txt'), mounts: [{ type: "volume", source: vol, target: "/vol" }] }),
    );
    await c.waitForState(writer!.id, TaskState.SUCCEEDED);
    // Docker created the volume for the mount, labelled with the task that first used it and its namespace.
    expect(await volumeLabels(vol)).toEqual({ "trainyard.volume.created-by-task": writer!.id, "trainyard.volume.namespace": "default" });

    const { task: reader } = await c.client.submit(
      spec({
        command: sh("cat /data/note.txt; echo overwrite > /data/note.txt || echo read-only >&2"),
        mounts: [{ type: "volume", source: vol, target: "/data", readOnly: true }],
      }),
    );
    await c.waitForState(reader!.id, TaskState.SUCCEEDED);
    const frames = await readLog(c.client, reader!.id);
    expect(text(frames, LogStream.STDOUT)).toBe(`written by ${writer!.id}\n`);
    expect(text(frames, LogStream.STDERR)).toMatch(/Read-only file system[\s\S]*read-only\n$/);
    expect((await c.client.get({ taskId: reader!.id })).task!.spec!.mounts).toMatchObject([{ source: vol, target: "/data", readOnly: true }]);
    expect(await c.containers()).toEqual([]);
  });

  it("an existing volume that is not Trainyard's (another application's data) is refused; one labelled trainyard.volume.shared is mounted", async () => {
    const foreign = volume("foreign");
    const shared = volume("shared");
    await dockerRequest("POST", "/volumes/create", { Name: foreign, Labels: { "com.example.app": "db" } });
    await dockerRequest("POST", "/volumes/create", { Name: shared, Labels: { "trainyard.volume.shared": "1" } });
    const { task: refused } = await c.client.submit(spec({ command: sh("true"), mounts: [{ type: "volume", source: foreign, target: "/data" }] }));
    const t = await c.waitForState(refused!.id, TaskState.FAILED);
    expect(t.attempts).toHaveLength(1);
    expect(t.message).toContain(`mount spec.mounts[0]: volume ${foreign} exists and is not Trainyard's`);
    const { task: ok } = await c.client.submit(spec({ command: sh("echo hi > /data/x && cat /data/x"), mounts: [{ type: "volume", source: shared, target: "/data" }] }));
    await c.waitForState(ok!.id, TaskState.SUCCEEDED);
    expect(await c.containers()).toEqual([]);
  });
});

describe("bind mounts", () => {
  it("a host path under TRAINYARD_ALLOWED_HOST_PATHS is mounted; read_only is enforced", async () => {
    const dir = path.join(allowed, "rw");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "input.txt"), "from the host\n");
    const { task: rw } = await c.client.submit(
      spec({ command: sh("cat /host/input.txt; echo from-task > /host/output.txt"), mounts: [{ type: "bind", source: dir, target: "/host" }] }),
    );
    await c.waitForState(rw!.id, TaskState.SUCCEEDED);
    expect(text(await readLog(c.client, rw!.id), LogStream.STDOUT)).toBe("from the host\n");
    expect(readFileSync(path.join(dir, "output.txt"), "utf8")).toBe("from-task\n");

    // Through `..` that stays inside the allowed prefix: resolved, allowed, mounted read-only.
    const { task: ro } = await c.client.submit(
      spec({ command: sh("cat /host/input.txt && echo nope > /host/output.txt"), mounts: [{ type: "bind", source: `${dir}/../rw`, target: "/host", readOnly: true }] }),
    );
    const done = await c.waitForState(ro!.id, TaskState.FAILED);
    expect(done.failureReason).toBe(FailureReason.EXIT_CODE);
    const frames = await readLog(c.client, ro!.id);
    expect(text(frames, LogStream.STDOUT)).toBe("from the host\n");
    expect(text(frames, LogStream.STDERR)).toContain("Read-only file system");
    expect(readFileSync(path.join(dir, "output.txt"), "utf8")).toBe("from-task\n");
  });

  it("a host path outside TRAINYARD_ALLOWED_HOST_PATHS fails the task at once, with the reason, and is not retried", async () => {
    const { task } = await c.client.submit(
      spec({ command: sh("cat /host/passwd"), maxRetries: 3, mounts: [{ type: "bind", source: "/etc", target: "/host", readOnly: true }] }),
    );
    const done = await c.waitForState(task!.id, TaskState.FAILED, 30_000);
    const why = `mount spec.mounts[0]: host path /etc is not under TRAINYARD_ALLOWED_HOST_PATHS (${allowed})`;
    expect(done.failureReason).toBe(FailureReason.CONTAINER_ERROR);
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]!.containerId).toBe("");
    expect(done.attempts[0]!.message).toBe(why);
    expect(done.message).toContain(why);
    expect(done.message).toContain("not retryable");
    const sys = text(await readLog(c.client, task!.id), LogStream.SYSTEM);
    expect(sys).toContain(`container error: ${why}`);
    // Still one attempt a while later: nothing was scheduled behind it.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await c.client.get({ taskId: task!.id })).task!.attempts).toHaveLength(1);
    expect(await c.containers()).toEqual([]);
  });

  it("a symlink under the allowed prefix that points outside it is refused (resolved before the check)", async () => {
    const link = path.join(allowed, "escape");
    symlinkSync("/etc", link);
    const { task } = await c.client.submit(spec({ command: sh("true"), mounts: [{ type: "bind", source: link, target: "/host" }] }));
    const done = await c.waitForState(task!.id, TaskState.FAILED, 30_000);
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]!.message).toBe(
      `mount spec.mounts[0]: host path ${link} (resolves to /etc) is not under TRAINYARD_ALLOWED_HOST_PATHS (${allowed})`,
    );
  });
});

describe("mount validation at Submit", () => {
  it("a bad mount is INVALID_ARGUMENT naming the field, and nothing is stored", async () => {
    const label = `bad-mount-${randomBytes(3).toString("hex")}`;
    const bad = spec({
      command: sh("true"),
      labels: { case: label },
      mounts: [
        { type: "volume", source: "ok-volume", target: "/a" },
        { type: "volume", source: "other", target: "/a/../a" },
      ],
    });
    await expect(c.client.submit(bad)).rejects.toMatchObject({ code: 3, rawMessage: expect.stringMatching(/^spec\.mounts\[1\]\.target: /) });
    const { tasks } = await c.client.list({ labels: { case: label } });
    expect(tasks).toEqual([]);
  });
});
