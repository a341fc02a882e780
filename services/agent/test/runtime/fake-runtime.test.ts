// FakeRuntime (runtime/fake-runtime.ts): the ContainerRuntime contract, as Docker keeps it
// (test/runtime-contract.test.ts runs the same cases on the real Engine), then what only the
// fake does: scripting, its engine going down and up, introspection, cost.
import { beforeEach, describe, expect, it } from "vitest";
import type { ContainerSpec } from "../../src/runtime/container-runtime.js";
import { FakeRuntime, type Behaviour } from "../../src/runtime/fake-runtime.js";
import { runtimeContract, type ContractTarget } from "./contract.js";
import { readLogs, stopped, untilLine, lines } from "./contract-support.js";

const IMAGE = "trainyard/busybox:test";
const LABEL = "trainyard.contract=fake";

function fakeSpec(name: string, b: Behaviour, labels: Record<string, string> = {}): ContainerSpec {
  const command = FakeRuntime.command(b);
  return { name, image: IMAGE, command, env: {}, labels: { "trainyard.contract": "fake", ...labels }, nanoCpus: 0, memoryBytes: 0, pidsLimit: 0, gpuIds: [], gpuMode: "env", network: "none", capabilities: [], oomScoreAdj: 0, readOnlyRootfs: false, mounts: [] };
}

function fakeTarget(): ContractTarget {
  const runtime = new FakeRuntime({ images: [IMAGE] });
  const images = {
    present: IMAGE,
    absent: "trainyard/absent:none",
    pullable: "registry.test/tiny:1",
    missing: "registry.test/missing:1",
    denied: "registry.test/denied:1",
    unreachable: "127.0.0.1:5999/trainyard/missing:1",
    broken: "registry.test/broken:1",
    hanging: "registry.test/hang:1",
  };
  runtime.scriptPull(images.pullable, { outcome: "succeed", bytes: 121, durationMs: 5 });
  runtime.scriptPull(images.denied, { outcome: "fail", permanent: true, message: "pull access denied" });
  runtime.scriptPull(images.unreachable, { outcome: "fail", permanent: false, message: "connection refused" });
  runtime.scriptPull(images.broken, { outcome: "fail", permanent: false, message: "unknown blob", afterMs: 5 });
  runtime.scriptPull(images.hanging, { outcome: "hang" });
  return { runtime, spec: fakeSpec, prefix: "contract", label: LABEL, images };
}

let target: ContractTarget;
beforeEach(() => {
  target = fakeTarget();
});

runtimeContract("ContainerRuntime contract on FakeRuntime", () => target);

describe("FakeRuntime", () => {
  let fake: FakeRuntime;
  beforeEach(() => {
    fake = new FakeRuntime({ images: [IMAGE] });
  });
  const run = async (name: string, b: Behaviour) => {
    const id = await fake.create(fakeSpec(name, b));
    await fake.start(id);
    return id;
  };

  it("runs an unknown command as exit 0 at once, with no output", async () => {
    const id = await fake.create({ ...fakeSpec("plain", {}), command: ["python", "train.py"] });
    await fake.start(id);
    expect(await fake.inspect(id)).toMatchObject({ running: false, exitCode: 0 });
    expect(await readLogs(fake, id)).toEqual([]);
  });

  it("throws at create for a damaged behaviour", async () => {
    await expect(fake.create({ ...fakeSpec("bad", {}), command: ["trainyard-fake", "{not json"] })).rejects.toThrow();
  });

  it("repeats a line with its number, and runs for its duration after its output", async () => {
    const started = Date.now();
    const id = await run("repeat", { output: [{ stdout: "line %i", repeat: 3 }, { stderr: "done" }], durationMs: 60, exitCode: 2 });
    await stopped(fake, id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(lines(await readLogs(fake, id))).toEqual(["stdout line 1\n", "stdout line 2\n", "stdout line 3\n", "stderr done\n"]);
    expect((await fake.inspect(id)).exitCode).toBe(2);
  });

  it("gives a start failure's message, exit code 127 and error, as Docker does", async () => {
    const why = "OCI runtime create failed: error mounting \"/tmp/x\" to rootfs at \"/bin/busybox\": not a directory";
    const id = await fake.create(fakeSpec("no-start", { startError: why }));
    await expect(fake.start(id)).rejects.toThrow(why);
    expect(await fake.inspect(id)).toMatchObject({ running: false, startedAt: 0, exitCode: 127, error: why });
  });

  it("gives a create failure's message and an unscripted pull a permanent failure", async () => {
    await expect(fake.create(fakeSpec("no-create", { createError: "invalid mount config" }))).rejects.toThrow("invalid mount config");
    await expect(fake.pull("nowhere/nothing", () => {}, new AbortController().signal)).rejects.toMatchObject({ name: "ImagePullError", permanent: true });
  });

  it("records the signals a container got, and the calls made", async () => {
    const id = await run("signals", { ignoreSigterm: true, durationMs: Infinity });
    await fake.kill(id, "SIGTERM");
    await fake.kill(id, "SIGKILL");
    await fake.kill(id, "SIGKILL"); // stopped: not delivered
    expect(fake.container(id)?.signals).toEqual(["SIGTERM", "SIGKILL"]);
    expect(fake.calls.map((c) => `${c.op} ${c.arg}`)).toEqual(["create signals", `start ${id}`, `kill ${id}`, `kill ${id}`, `kill ${id}`]);
    expect(fake.containers().map((c) => c.state)).toEqual(["exited"]);
  });

  it("stamps entries from its clock as Docker does: 9 fraction digits, a nanosecond apart within a millisecond", async () => {
    const at = Date.parse("2026-12-01T10:00:00.123Z");
    const clocked = new FakeRuntime({ images: [IMAGE], now: () => at });
    const id = await clocked.create(fakeSpec("clocked", { output: [{ stdout: "x", repeat: 3 }] }));
    await clocked.start(id);
    const entries = await readLogs(clocked, id);
    expect(entries.map((e) => e.stamp)).toEqual(["2026-12-01T10:00:00.123000000Z", "2026-12-01T10:00:00.123000001Z", "2026-12-01T10:00:00.123000002Z"]);
    expect(entries[0]!.time).toBe(at);
    expect((await clocked.inspect(id)).startedAt).toBe(at);
    expect(lines(await readLogs(clocked, id, "2026-12-01T10:00:00.123000001Z"))).toEqual(["stdout x\n", "stdout x\n"]);
  });

  it("holds at most one timer per running container, none once it idles or ends", async () => {
    const busy = await run("busy", { output: [{ pauseMs: 1_000 }, { stdout: "x" }], durationMs: 5_000 });
    const idle = await run("idle", { durationMs: Infinity });
    expect(fake.container(busy)?.scheduled).toBe(true);
    expect(fake.container(idle)?.scheduled).toBe(false);
    await fake.kill(busy, "SIGKILL");
    expect(fake.container(busy)?.scheduled).toBe(false);
  });
});

describe("FakeRuntime engine", () => {
  let fake: FakeRuntime;
  beforeEach(() => {
    fake = new FakeRuntime({ images: [IMAGE] });
  });

  it("rejects every call while down, as an unreachable socket", async () => {
    fake.engineDown();
    for (const call of [() => fake.version(), () => fake.hasImage(IMAGE), () => fake.inspect("x"), () => fake.list(LABEL), () => fake.kill("x", "SIGTERM"), () => fake.remove("x")]) {
      await expect(call()).rejects.toMatchObject({ code: "ECONNREFUSED" });
    }
    await expect(fake.pull("a/b", () => {}, new AbortController().signal)).rejects.toMatchObject({ name: "ImagePullError", permanent: false });
    fake.engineUp();
    expect(await fake.version()).toBe("fake");
  });

  it("fails a pending wait as DockerRuntime does, ends a follow with an error, and a pull transient", async () => {
    const id = await fake.create(fakeSpec("lost", { output: [{ stdout: "ready" }], durationMs: Infinity }));
    await fake.start(id);
    await untilLine(fake, id, "ready");
    fake.scriptPull("slow/image", { outcome: "hang" });
    const waiting = fake.wait(id);
    const following = readLogs(fake, id);
    const pulling = fake.pull("slow/image", () => {}, new AbortController().signal);
    fake.engineDown();
    await expect(waiting).rejects.toThrow(/^Docker Engine not answering: connect ECONNREFUSED/);
    await expect(following).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await expect(pulling).rejects.toMatchObject({ name: "ImagePullError", permanent: false });
  });

  it.each([
    [{}, 143],
    [{ stoppedContainers: "SIGTERM" as const }, 143],
    [{ stoppedContainers: "SIGKILL" as const }, 137],
  ])("stops the running containers on its restart %j: exit %s; one ignoring SIGTERM 137", async (how, code) => {
    const normal = await fake.create(fakeSpec("normal", { durationMs: Infinity }));
    const stubborn = await fake.create(fakeSpec("stubborn", { durationMs: Infinity, ignoreSigterm: true }));
    await fake.start(normal);
    await fake.start(stubborn);
    fake.engineDown();
    fake.engineUp(how);
    expect(await fake.inspect(normal)).toMatchObject({ running: false, exitCode: code });
    expect(await fake.inspect(stubborn)).toMatchObject({ running: false, exitCode: 137 });
    await fake.wait(normal);
  });

  it("lets containers run on while it is down: one that exits meanwhile keeps its own exit code", async () => {
    const id = await fake.create(fakeSpec("meanwhile", { durationMs: 20, exitCode: 4 }));
    await fake.start(id);
    fake.engineDown();
    await new Promise((r) => setTimeout(r, 40)); // the container's own time passing, not a wait on a condition
    fake.engineUp();
    expect(await fake.inspect(id)).toMatchObject({ running: false, exitCode: 4 });
  });
});
