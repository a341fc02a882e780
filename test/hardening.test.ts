// Hardened task containers on the real Docker Engine: `docker inspect` of a running task shows
// the profile (capabilities dropped but a short list, no-new-privileges, an OOM score above 0,
// the default CPU and memory limits, no network, NVIDIA_VISIBLE_DEVICES=void), a process inside
// cannot open a raw socket (ping) or make a device node (mknod), and a task can run as a numeric
// user on a read-only root filesystem with a writable /tmp. Reserved env names are refused.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { LogStream, TaskState } from "@trainyard/client";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { dockerRequest } from "./harness/docker.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("hardening", { schedulerEnv: { TRAINYARD_TASK_DEFAULT_CPUS: "1.5", TRAINYARD_TASK_DEFAULT_MEMORY: "256m" } }, (x) => (c = x));

interface Inspect {
  Config: { Env: string[]; User: string };
  HostConfig: {
    CapAdd: string[];
    CapDrop: string[];
    SecurityOpt: string[];
    OomScoreAdj: number;
    NanoCpus: number;
    Memory: number;
    NetworkMode: string;
    Privileged: boolean;
    ReadonlyRootfs: boolean;
  };
}

describe("task containers", () => {
  it("docker inspect shows the hardened profile and the default limits", async () => {
    const { task } = await c.client.submit(spec({ command: sh("sleep 60") }));
    expect(task!.spec!.resources).toMatchObject({ cpus: 1.5, memoryBytes: 256n * 1024n * 1024n });
    const running = await c.waitFor(task!.id, (t) => t.attempts[0]!.containerId !== "");
    const r = await dockerRequest("GET", `/containers/${running.attempts[0]!.containerId}/json`);
    const info = JSON.parse(r.body) as Inspect;
    expect(info.HostConfig).toMatchObject({
      CapDrop: ["ALL"],
      OomScoreAdj: 500,
      NanoCpus: 1_500_000_000,
      Memory: 256 * 1024 * 1024,
      NetworkMode: "none",
      Privileged: false,
      ReadonlyRootfs: false,
    });
    const kept = info.HostConfig.CapAdd.map((cap) => cap.replace(/^CAP_/, "")).sort();
    expect(kept).toEqual(["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETGID", "SETUID"]);
    expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges");
    expect(info.Config.Env).toContain("NVIDIA_VISIBLE_DEVICES=void");
    await c.client.cancel({ taskId: task!.id });
    await c.waitForState(task!.id, TaskState.CANCELLED);
  });

  it("a process inside, even root, cannot open a raw socket or make a device node", async () => {
    const { task } = await c.client.submit(
      spec({
        command: sh(
          "id -u; ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1 && echo ping-allowed || echo ping-refused; " +
            "mknod /tmp/null c 1 3 2>/dev/null && echo mknod-allowed || echo mknod-refused",
        ),
      }),
    );
    await c.waitForState(task!.id, TaskState.SUCCEEDED);
    expect(text(await readLog(c.client, task!.id), LogStream.STDOUT)).toBe("0\nping-refused\nmknod-refused\n");
  });

  it("runs as the spec's user on a read-only root filesystem with a writable /tmp; by default as the image's user, writable", async () => {
    const probe = "id -u; id -g; touch /x 2>/dev/null && echo root-writable || echo root-read-only; touch /tmp/y && echo tmp-writable";
    const locked = spec({ command: sh(probe) });
    locked.spec!.user = "1000:1000";
    locked.spec!.readOnlyRootfs = true;
    const ids = [(await c.client.submit(locked)).task!, (await c.client.submit(spec({ command: sh(probe) }))).task!];
    expect(ids[0]!.spec).toMatchObject({ user: "1000:1000", readOnlyRootfs: true });
    const out = [];
    for (const t of ids) {
      await c.waitForState(t.id, TaskState.SUCCEEDED);
      out.push(text(await readLog(c.client, t.id), LogStream.STDOUT));
    }
    expect(out).toEqual(["1000\n1000\nroot-read-only\ntmp-writable\n", "0\n0\nroot-writable\ntmp-writable\n"]);
  });

  it("refuses env names Trainyard sets itself, storing nothing", async () => {
    const before = (await c.client.list({})).tasks.length;
    await expect(c.client.submit(spec({ command: ["true"], env: { NVIDIA_VISIBLE_DEVICES: "all" } }))).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "spec.env: NVIDIA_VISIBLE_DEVICES is reserved (names starting TRAINYARD_ or NVIDIA_ are set by Trainyard)",
    });
    expect((await c.client.list({})).tasks.length).toBe(before);
  });
});
