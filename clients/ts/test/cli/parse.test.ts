import { describe, expect, it } from "vitest";
import { TaskState } from "../../src/index.js";
import { DependencyCondition, NetworkMode } from "../../src/index.js";
import { buildSubmitArrayRequest, buildSubmitRequest, keyValues, parseKeyValue, parseMemory, parseNumber, parseSince, parseState, resolveAddress, sweepElements, UsageError } from "../../src/cli/parse.js";

describe("resolveAddress", () => {
  it.each([
    [undefined, "http://127.0.0.1:50051"],
    ["", "http://127.0.0.1:50051"],
    ["10.0.0.5:6000", "http://10.0.0.5:6000"],
    ["sched.internal:50051", "http://sched.internal:50051"],
    [":7000", "http://127.0.0.1:7000"],
    ["[::1]:50051", "http://[::1]:50051"],
    ["http://example.com:8080", "http://example.com:8080"],
    ["https://trainyard.example.com/", "https://trainyard.example.com"],
  ])("%j → %s", (addr, url) => expect(resolveAddress(addr)).toBe(url));
  it.each(["localhost", "host:port", "host:70000", "ftp://x:1", "a b:1"])("%j is rejected naming TRAINYARD_ADDR", (addr) => {
    expect(() => resolveAddress(addr)).toThrow(UsageError);
    expect(() => resolveAddress(addr)).toThrow(/TRAINYARD_ADDR/);
  });
});

describe("key=value flags", () => {
  it("splits at the first =, keeps empty values, later keys win", () => {
    expect(parseKeyValue("A=b=c", "--env")).toEqual(["A", "b=c"]);
    expect(parseKeyValue("A=", "--env")).toEqual(["A", ""]);
    expect(keyValues(["A=1", "B=2", "A=3"], "--label")).toEqual({ A: "3", B: "2" });
  });
  it.each(["FOO", "=x", ""])("%j is a usage error naming the flag", (text) => {
    expect(() => parseKeyValue(text, "--env")).toThrow(/^--env: expected KEY=VALUE/);
  });
});

describe("numbers, sizes, states", () => {
  it("parses memory and names --memory when it cannot", () => {
    expect(parseMemory("512m")).toBe(536_870_912n);
    expect(() => parseMemory("12q")).toThrow(/--memory: "12q" is not a size/);
  });
  it("parses numbers with bounds", () => {
    expect(parseNumber("0.5", "--cpus")).toBe(0.5);
    expect(() => parseNumber("-1", "--cpus")).toThrow(/--cpus/);
    expect(() => parseNumber("1.5", "--retries", { integer: true })).toThrow(/--retries: "1.5" is not a whole number/);
    expect(() => parseNumber("", "--retries")).toThrow(UsageError);
    expect(() => parseNumber("0", "--tail", { integer: true, min: 1 })).toThrow(/≥ 1/);
  });
  it.each([
    ["running", TaskState.RUNNING],
    ["FAILED", TaskState.FAILED],
    ["task_state_cancelled", TaskState.CANCELLED],
  ])("state %j", (text, state) => expect(parseState(text)).toBe(state));
  it.each(["unspecified", "done", ""])("state %j is rejected", (text) => expect(() => parseState(text)).toThrow(/--state/));
});

describe("--since", () => {
  const now = Date.parse("2026-12-02T10:00:00Z");
  it("takes a duration back from now or a time", () => {
    expect(parseSince("10m", now).toISOString()).toBe("2026-12-02T09:50:00.000Z");
    expect(parseSince("1h30m", now).toISOString()).toBe("2026-12-02T08:30:00.000Z");
    expect(parseSince("2026-12-01T10:00:00Z", now).toISOString()).toBe("2026-12-01T10:00:00.000Z");
    expect(parseSince("2026-12-01T11:00:00+01:00", now).toISOString()).toBe("2026-12-01T10:00:00.000Z");
  });
  it.each(["yesterday", "12/01/2026", ""])("%j is refused naming --since", (text) => {
    expect(() => parseSince(text, now)).toThrow(/--since/);
  });
});

describe("buildSubmitRequest", () => {
  it("turns every flag into the spec", () => {
    const req = buildSubmitRequest(
      { image: "busybox", env: ["A=1", "B=x=y"], cpus: "1.5", memory: "512m", gpus: "1", timeout: "1h", retries: "2", retryDelay: "10s", label: ["team=ml", "run=7"], pool: "gpu", idempotencyKey: "k1" },
      ["sh", "-c", "echo hi"],
    );
    const s = req.spec!;
    expect([s.image, s.command, s.env, s.labels, s.pool]).toEqual(["busybox", ["sh", "-c", "echo hi"], { A: "1", B: "x=y" }, { team: "ml", run: "7" }, "gpu"]);
    expect([s.resources?.cpus, s.resources?.memoryBytes, s.resources?.gpus]).toEqual([1.5, 536_870_912n, 1]);
    const placed = buildSubmitRequest({ image: "b", priority: "80", preemptible: true, nodeLabel: ["zone=a"], network: "host" }, []).spec!;
    expect([placed.priority, placed.preemptible, placed.nodeLabels, placed.network]).toEqual([80, true, { zone: "a" }, NetworkMode.HOST]);
    expect(() => buildSubmitRequest({ image: "b", network: "wifi" }, [])).toThrow(/--network/);
    const after = buildSubmitRequest({ image: "b", after: ["t-a", "t-b"], afterAny: ["t-c"], afterFailed: ["t-d"] }, []).spec!;
    expect(after.dependsOn.map((d) => [d.taskId, d.condition])).toEqual([
      ["t-a", DependencyCondition.SUCCEEDED],
      ["t-b", DependencyCondition.SUCCEEDED],
      ["t-c", DependencyCondition.FINISHED],
      ["t-d", DependencyCondition.FAILED],
    ]);
    expect(() => buildSubmitRequest({ image: "b", priority: "0" }, [])).toThrow(/--priority/);
    const locked = buildSubmitRequest({ image: "busybox", user: "1000:100", readOnly: true }, []).spec!;
    expect([locked.user, locked.readOnlyRootfs]).toEqual(["1000:100", true]);
    expect(Number(s.timeout?.seconds)).toBe(3600);
    expect([s.retry?.maxRetries, Number(s.retry?.delay?.seconds)]).toEqual([2, 10]);
    expect(req.idempotencyKey).toBe("k1");
  });

  it("leaves what was not given unset, so the scheduler's defaults apply", () => {
    const s = buildSubmitRequest({ image: "busybox" }, []).spec!;
    expect([s.retry, s.timeout, s.resources?.memoryBytes, s.pool, s.command]).toEqual([undefined, undefined, 0n, "", []]);
    expect(buildSubmitRequest({ image: "b", retries: "0" }, []).spec!.retry?.maxRetries).toBe(0);
  });

  it.each([
    [{ image: "b", memory: "12q" }, /--memory/],
    [{ image: "b", env: ["FOO"] }, /--env/],
    [{ image: "b", label: ["x"] }, /--label/],
    [{ image: "b", timeout: "soon" }, /--timeout/],
    [{ image: "b", retries: "many" }, /--retries/],
    [{ image: "b", cpus: "lots" }, /--cpus/],
    [{}, /--image/],
  ])("%j is a usage error", (flags, message) => {
    expect(() => buildSubmitRequest(flags, [])).toThrow(UsageError);
    expect(() => buildSubmitRequest(flags, [])).toThrow(message);
  });
});

describe("--checkpoint", () => {
  it("sets spec.checkpoint: the path, and the interval only when given (the scheduler's 60s otherwise)", () => {
    const s = buildSubmitRequest({ image: "b", checkpoint: "/ckpt", checkpointInterval: "1m30s" }, []).spec!;
    expect([s.checkpoint?.path, Number(s.checkpoint?.interval?.seconds), s.checkpoint?.interval?.nanos]).toEqual(["/ckpt", 90, 0]);
    const unset = buildSubmitRequest({ image: "b", checkpoint: "/ckpt" }, []).spec!.checkpoint;
    expect([unset?.path, unset?.interval]).toEqual(["/ckpt", undefined]);
    expect(Number(buildSubmitRequest({ image: "b", checkpoint: "/c", checkpointInterval: "1.5s" }, []).spec!.checkpoint?.interval?.nanos)).toBe(500_000_000);
    expect(buildSubmitRequest({ image: "b" }, []).spec!.checkpoint).toBeUndefined();
  });
  it("carries over to every task of an array", () => {
    expect(buildSubmitArrayRequest({ image: "b", array: "2", checkpoint: "/ckpt" }, [])!.spec!.checkpoint?.path).toBe("/ckpt");
  });
  it.each([
    [{ checkpoint: "ckpt" }, /--checkpoint: "ckpt" is not an absolute path/],
    [{ checkpoint: "" }, /--checkpoint/],
    [{ checkpoint: "/ckpt", checkpointInterval: "often" }, /--checkpoint-interval: "often" is not a duration/],
    [{ checkpointInterval: "30s" }, /--checkpoint-interval: only with --checkpoint/],
  ])("%j is a usage error", (flags, message) => {
    expect(() => buildSubmitRequest({ image: "b", ...flags }, [])).toThrow(UsageError);
    expect(() => buildSubmitRequest({ image: "b", ...flags }, [])).toThrow(message);
  });
});

describe("arrays and sweeps", () => {
  it("--array N%P, --sweep as a cross product (the first varying slowest), --array %P with a sweep", () => {
    expect(buildSubmitArrayRequest({ image: "b" }, ["true"])).toBeNull();
    const ten = buildSubmitArrayRequest({ image: "b", array: "10%3", idempotencyKey: "k" }, ["true"])!;
    expect([ten.count, ten.maxParallel, ten.elements.length, ten.idempotencyKey, ten.spec!.command]).toEqual([10, 3, 0, "k", ["true"]]);
    expect(sweepElements(["LR=1e-3,3e-4", "BS=32,64"])).toEqual([
      { LR: "1e-3", BS: "32" },
      { LR: "1e-3", BS: "64" },
      { LR: "3e-4", BS: "32" },
      { LR: "3e-4", BS: "64" },
    ]);
    const sweep = buildSubmitArrayRequest({ image: "b", sweep: ["LR=1e-3,3e-4"], array: "%1" }, [])!;
    expect([sweep.count, sweep.maxParallel, sweep.elements.map((e) => e.env)]).toEqual([0, 1, [{ LR: "1e-3" }, { LR: "3e-4" }]]);
  });
  it.each([
    [{ array: "ten" }, /--array/],
    [{ array: "%3" }, /--array: how many/],
    [{ array: "3", sweep: ["A=1,2"] }, /the sweep makes 2/],
    [{ sweep: ["A="] }, /--sweep/],
    [{ sweep: ["A=1", "A=2"] }, /swept twice/],
  ])("%j is refused", (flags, message) => {
    expect(() => buildSubmitArrayRequest({ image: "b", ...flags }, [])).toThrow(message);
  });
});
