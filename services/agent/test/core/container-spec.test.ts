/** The container for one attempt (runner/container-spec.ts). */
import { describe, expect, it } from "vitest";
import { containerSpec, LABEL, VOLUME_CREATED_BY } from "../../src/core/container-spec.js";
import { spec, task } from "../fixtures.js";

const unplaced = task(
  "RUNNING",
  2,
  {},
  spec({
    image: "registry.local/train:v3",
    command: ["python", "train.py"],
    env: { LR: "0.1", TRAINYARD_TASK_ID: "forged", TRAINYARD_ATTEMPT: "99" },
    labels: { team: "ml", "trainyard.task": "forged", "trainyard.node": "forged" },
    resources: { cpus: 1.5, memoryBytes: 512 * 1024 * 1024, gpus: 1 },
  }),
);
/** Its attempt 2 holds GPU "3". */
const t = { ...unplaced, attempts: unplaced.attempts.map((a) => (a.number === 2 ? { ...a, gpuIds: ["3"] } : a)) };
const c = containerSpec(t, 2, "node-a", 4096);

describe("containerSpec", () => {
  it("names the container after task and attempt and runs the spec's image and command", () => {
    expect(c).toMatchObject({ name: `trainyard-${t.id}-2`, image: "registry.local/train:v3", command: ["python", "train.py"] });
  });

  it.each([
    [LABEL.task, t.id],
    [LABEL.attempt, "2"],
    [LABEL.node, "node-a"],
  ])("carries label %s = %s", (k, v) => {
    expect(c.labels[k]).toBe(v);
  });

  it("label names are trainyard.task / trainyard.attempt / trainyard.node", () => {
    expect(LABEL).toEqual({ task: "trainyard.task", attempt: "trainyard.attempt", node: "trainyard.node", gpus: "trainyard.gpus" });
  });

  it("user labels go under trainyard.label. and never override ours", () => {
    expect(c.labels).toEqual({
      "trainyard.label.team": "ml",
      "trainyard.label.trainyard.task": "forged",
      "trainyard.label.trainyard.node": "forged",
      "trainyard.task": t.id,
      "trainyard.attempt": "2",
      "trainyard.node": "node-a",
      "trainyard.gpus": "3",
    });
  });

  it("env has the user's variables plus TRAINYARD_TASK_ID and TRAINYARD_ATTEMPT, which the user cannot override", () => {
    expect(c.env).toEqual({ LR: "0.1", TRAINYARD_TASK_ID: t.id, TRAINYARD_ATTEMPT: "2" });
  });

  it.each([
    [0, 0],
    [0.5, 500_000_000],
    [1.5, 1_500_000_000],
    [0.1, 100_000_000],
    [1 / 3, 333_333_333],
    [64, 64_000_000_000],
  ])("cpus %d → NanoCpus %i (an integer)", (cpus, nano) => {
    const n = containerSpec(task("RUNNING", 1, {}, spec({ resources: { cpus, memoryBytes: 0, gpus: 0 } })), 1, "n", 1).nanoCpus;
    expect(n).toBe(nano);
    expect(Number.isInteger(n)).toBe(true);
  });

  it("memory, gpus and the pids limit are passed through", () => {
    expect(c).toMatchObject({ memoryBytes: 512 * 1024 * 1024, gpuIds: ["3"], gpuMode: "device-requests", pidsLimit: 4096 });
  });

  it("gives the attempt's devices by NVIDIA_VISIBLE_DEVICES in env mode, and the network mode asked for", () => {
    expect(containerSpec(t, 2, "node-a", 4096, [], "env")).toMatchObject({ gpuIds: ["3"], env: { NVIDIA_VISIBLE_DEVICES: "3" }, network: "none" });
    const host = { ...t, spec: { ...t.spec, network: "host" as const } };
    expect(containerSpec(host, 2, "node-a", 4096).network).toBe("host");
  });

  it("does not share arrays or objects it must not change with the task", () => {
    expect(c.env).not.toBe(t.spec.env);
    expect(c.labels).not.toBe(t.spec.labels);
  });

  it("has no mounts when the spec has none (also for records stored before mounts existed)", () => {
    expect(c.mounts).toEqual([]);
  });
});

describe("containerSpec mounts", () => {
  const withMounts = task(
    "RUNNING",
    1,
    {},
    spec({
      mounts: [
        { type: "volume", source: "ckpt", target: "/checkpoints", readOnly: false },
        { type: "bind", source: "/srv/data/../data", target: "/data", readOnly: true },
      ],
    }),
  );

  it("named volumes carry the creating task's label; binds pass through read_only", () => {
    expect(containerSpec(withMounts, 1, "n", 16).mounts).toEqual([
      { type: "volume", source: "ckpt", target: "/checkpoints", readOnly: false, labels: { [VOLUME_CREATED_BY]: withMounts.id, "trainyard.volume.namespace": "default" } },
      { type: "bind", source: "/srv/data/../data", target: "/data", readOnly: true },
    ]);
  });

  it("uses the resolved mounts it is given (bind sources checked by resolveMounts), not the spec's", () => {
    const resolved = [
      { type: "volume" as const, source: "ckpt", target: "/checkpoints", readOnly: false },
      { type: "bind" as const, source: "/srv/data", target: "/data", readOnly: true },
    ];
    expect(containerSpec(withMounts, 1, "n", 16, resolved).mounts.map((m) => m.source)).toEqual(["ckpt", "/srv/data"]);
  });
});

describe("containerSpec: the hardened profile", () => {
  const plain = containerSpec(task("RUNNING", 1, {}, spec()), 1, "n", 4096);

  it("keeps a short list of capabilities: never NET_RAW, MKNOD or SYS_ADMIN", () => {
    expect(plain.capabilities).toEqual(["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "NET_BIND_SERVICE"]);
    for (const cap of ["NET_RAW", "MKNOD", "SYS_ADMIN", "SETFCAP"]) expect(plain.capabilities).not.toContain(cap);
  });

  it("makes the task the kernel's first choice under memory pressure", () => {
    expect(plain.oomScoreAdj).toBeGreaterThan(0);
  });

  it("hides every GPU from a task that asks for none (NVIDIA_VISIBLE_DEVICES=void), not from one that asks", () => {
    expect(plain.env.NVIDIA_VISIBLE_DEVICES).toBe("void");
    expect(c.env.NVIDIA_VISIBLE_DEVICES).toBeUndefined();
  });

  it("runs as the spec's user with the spec's read-only root filesystem; by default the image's user, writable", () => {
    expect(plain).toMatchObject({ readOnlyRootfs: false });
    expect(plain).not.toHaveProperty("user");
    const locked = containerSpec(task("RUNNING", 1, {}, spec({ user: "1000:1000", readOnlyRootfs: true })), 1, "n", 4096);
    expect(locked).toMatchObject({ user: "1000:1000", readOnlyRootfs: true });
  });
});
