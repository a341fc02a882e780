/** Submit validation (core/spec.ts): every bad field is named; every default is resolved. */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "@trainyard/common";
import { SubmitRequestSchema, TaskSpecSchema, type NetworkMode } from "@trainyard/client";
import { DEFAULTS, LIMITS, validateSubmit } from "../src/core/spec.js";

/** The init shape of a TaskSpec message (not a TaskSpec instance). */
type SpecInit = Exclude<MessageInitShape<typeof TaskSpecSchema>, { $typeName: string }>;

const req = (spec: Partial<SpecInit> = {}, idempotencyKey = "") =>
  create(SubmitRequestSchema, { spec: { image: "busybox", command: ["true"], ...spec }, idempotencyKey });

const MiB = 1024n * 1024n;
const many = (n: number, f: (i: number) => [string, string]) => Object.fromEntries(Array.from({ length: n }, (_, i) => f(i)));

function fieldOf(r: ReturnType<typeof req>): string {
  try {
    validateSubmit(r);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    const e = err as InvalidArgumentError;
    expect(e.kind).toBe("invalid_argument");
    expect(e.message.startsWith(`${e.field}: `)).toBe(true);
    return e.field;
  }
  throw new Error("validateSubmit accepted the request");
}

describe("validateSubmit rejects bad input, naming the field", () => {
  const bad: [string, ReturnType<typeof req>, string][] = [
    ["no spec", create(SubmitRequestSchema, {}), "spec"],
    ["empty image", req({ image: "" }), "spec.image"],
    ["upper-case image", req({ image: "Busybox" }), "spec.image"],
    ["image with a space", req({ image: "foo bar" }), "spec.image"],
    ["image longer than 512", req({ image: "a".repeat(513) }), "spec.image"],
    ["command with a NUL byte", req({ command: ["echo", "a\0b"] }), "spec.command"],
    ["command with 1025 arguments", req({ command: Array(LIMITS.commandArgs + 1).fill("x") }), "spec.command"],
    ["command over 256 KiB", req({ command: ["x".repeat(LIMITS.commandBytes + 1)] }), "spec.command"],
    ["env name starting with a digit", req({ env: { "1X": "v" } }), "spec.env"],
    ["env name with a dash", req({ env: { "A-B": "v" } }), "spec.env"],
    ["empty env name", req({ env: { "": "v" } }), "spec.env"],
    ["env name over 256", req({ env: { ["A".repeat(257)]: "v" } }), "spec.env"],
    ["env value with a NUL byte", req({ env: { A: "a\0" } }), "spec.env"],
    ["513 env entries", req({ env: many(LIMITS.envEntries + 1, (i) => [`V${i}`, "x"]) }), "spec.env"],
    ["env over 256 KiB", req({ env: { BIG: "x".repeat(LIMITS.envBytes) } }), "spec.env"],
    ["label key starting with a dash", req({ labels: { "-x": "v" } }), "spec.labels"],
    ["label key ending with a dot", req({ labels: { "x.": "v" } }), "spec.labels"],
    ["label key with a space", req({ labels: { "a b": "v" } }), "spec.labels"],
    ["label key of 129 characters", req({ labels: { ["k".repeat(129)]: "v" } }), "spec.labels"],
    ["label value of 257 characters", req({ labels: { k: "v".repeat(257) } }), "spec.labels"],
    ["label value with a newline", req({ labels: { k: "a\nb" } }), "spec.labels"],
    ["65 labels", req({ labels: many(LIMITS.labels + 1, (i) => [`k${i}`, "v"]) }), "spec.labels"],
    ["pool with a space", req({ pool: "gpu pool" }), "spec.pool"],
    ["pool with a dot (a NATS token separator)", req({ pool: "a.b" }), "spec.pool"],
    ["pool with a wildcard", req({ pool: "*" }), "spec.pool"],
    ["pool of 65 characters", req({ pool: "p".repeat(65) }), "spec.pool"],
    ["negative cpus", req({ resources: { cpus: -1 } }), "spec.resources.cpus"],
    ["cpus over 1024", req({ resources: { cpus: 1025 } }), "spec.resources.cpus"],
    ["NaN cpus", req({ resources: { cpus: Number.NaN } }), "spec.resources.cpus"],
    ["infinite cpus", req({ resources: { cpus: Number.POSITIVE_INFINITY } }), "spec.resources.cpus"],
    ["negative memory", req({ resources: { memoryBytes: -1n } }), "spec.resources.memory_bytes"],
    ["memory under 6 MiB", req({ resources: { memoryBytes: 6n * MiB - 1n } }), "spec.resources.memory_bytes"],
    ["1 byte of memory", req({ resources: { memoryBytes: 1n } }), "spec.resources.memory_bytes"],
    ["negative gpus", req({ resources: { gpus: -1 } }), "spec.resources.gpus"],
    ["65 gpus", req({ resources: { gpus: 65 } }), "spec.resources.gpus"],
    ["negative max_retries", req({ retry: { maxRetries: -1 } }), "spec.retry.max_retries"],
    ["max_retries 101", req({ retry: { maxRetries: 101 } }), "spec.retry.max_retries"],
    ["negative retry delay", req({ retry: { delay: { seconds: -1n } } }), "spec.retry.delay"],
    ["negative retry delay nanos", req({ retry: { delay: { nanos: -1 } } }), "spec.retry.delay"],
    ["retry delay over a day", req({ retry: { delay: { seconds: 86_401n } } }), "spec.retry.delay"],
    ["negative timeout", req({ timeout: { seconds: -5n } }), "spec.timeout"],
    ["timeout over 30 days", req({ timeout: { seconds: 30n * 86_400n + 1n } }), "spec.timeout"],
    ["negative stop grace period", req({ stopGracePeriod: { seconds: -1n } }), "spec.stop_grace_period"],
    ["stop grace period over an hour", req({ stopGracePeriod: { seconds: 3_601n } }), "spec.stop_grace_period"],
    ["idempotency key over 256", req({}, "k".repeat(257)), "idempotency_key"],
    ["priority 101", req({ priority: 101 }), "spec.priority"],
    ["negative priority", req({ priority: -1 }), "spec.priority"],
    ["an unknown network mode", req({ network: 9 as NetworkMode }), "spec.network"],
    ["a node label key with a space", req({ nodeLabels: { "gpu type": "a100" } }), "spec.node_labels"],
    ["a node label value with a comma", req({ nodeLabels: { gpu: "a100,h100" } }), "spec.node_labels"],
  ];
  it.each(bad)("%s → %s", (_, r, field) => {
    expect(fieldOf(r)).toBe(field);
  });

  it("names the first bad field when several are bad (image before resources)", () => {
    expect(fieldOf(req({ image: "", resources: { cpus: -1 } }))).toBe("spec.image");
  });
});

describe("validateSubmit accepts the limits themselves", () => {
  const ok: [string, ReturnType<typeof req>][] = [
    ["no command (the image's default)", req({ command: [] })],
    ["1024 command arguments", req({ command: Array(LIMITS.commandArgs).fill("x") })],
    ["512 env entries", req({ env: many(LIMITS.envEntries, (i) => [`V${i}`, "x"]) })],
    ["env names with underscores and digits", req({ env: { _A1: "v", a_b: "" } })],
    ["env value with = and newlines", req({ env: { A: "x=y\nz" } })],
    ["64 labels", req({ labels: many(LIMITS.labels, (i) => [`k${i}`, "v"]) })],
    ["a one-character label key", req({ labels: { a: "" } })],
    ["a 128-character label key", req({ labels: { ["k".repeat(128)]: "v" } })],
    ["label keys with . _ / -", req({ labels: { "team.example.com/run_id-x": "v" } })],
    ["a 256-character label value", req({ labels: { k: "v".repeat(256) } })],
    ["pool of 64 characters", req({ pool: "p".repeat(64) })],
    ["fractional cpus", req({ resources: { cpus: 0.25 } })],
    ["1024 cpus", req({ resources: { cpus: 1024 } })],
    ["exactly 6 MiB", req({ resources: { memoryBytes: 6n * MiB } })],
    ["64 gpus", req({ resources: { gpus: 64 } })],
    ["max_retries 100", req({ retry: { maxRetries: 100 } })],
    ["a one-day retry delay", req({ retry: { delay: { seconds: 86_400n } } })],
    ["a 24-day timeout (the longest a timer holds)", req({ timeout: { seconds: 24n * 86_400n } })],
    ["a one-hour stop grace period", req({ stopGracePeriod: { seconds: 3_600n } })],
    ["a 256-character idempotency key", req({}, "k".repeat(256))],
  ];
  it.each(ok)("%s", (_, r) => {
    expect(() => validateSubmit(r)).not.toThrow();
  });
});

describe("validateSubmit resolves every default", () => {
  it("a minimal spec gets 3 retries 5 s apart, a 10 s stop grace, pool default, no limits, no timeout", () => {
    expect(validateSubmit(create(SubmitRequestSchema, { spec: { image: "busybox" } }))).toEqual({
      spec: {
        image: "busybox",
        command: [],
        env: {},
        resources: { cpus: 0, memoryBytes: 0, gpus: 0 },
        retry: { maxRetries: 3, delayMs: 5_000, backoffMultiplier: 1, maxDelayMs: 0, nonRetryableExitCodes: [], retryOnTimeout: false, maxInfraRetries: 5 },
        timeoutMs: 0,
        labels: {},
        pool: "default",
        stopGraceMs: 10_000,
        priority: 50,
      },
    });
    expect(DEFAULTS).toEqual({ maxRetries: 3, retryDelayMs: 5_000, stopGraceMs: 10_000, pool: "default" });
  });

  it("keeps priority, preemptible, network and node labels (network none and priority 50 by default)", () => {
    expect(validateSubmit(req({ priority: 90, preemptible: true, network: 2, nodeLabels: { gpu: "a100" } })).spec).toMatchObject({
      priority: 90,
      preemptible: true,
      network: "host",
      nodeLabels: { gpu: "a100" },
    });
    expect(validateSubmit(req({ network: 1 })).spec).not.toHaveProperty("network");
  });

  it("explicit max_retries 0 stays 0", () => {
    expect(validateSubmit(req({ retry: { maxRetries: 0 } })).spec.retry).toMatchObject({ maxRetries: 0, delayMs: 5_000, maxInfraRetries: 5 });
  });

  it("a retry policy with only a delay keeps the default max_retries", () => {
    expect(validateSubmit(req({ retry: { delay: { seconds: 2n } } })).spec.retry).toMatchObject({ maxRetries: 3, delayMs: 2_000 });
  });

  it("a zero retry delay is kept (retry at once)", () => {
    expect(validateSubmit(req({ retry: { delay: {} } })).spec.retry.delayMs).toBe(0);
  });

  it("durations convert seconds and nanos to milliseconds", () => {
    const { spec } = validateSubmit(
      req({ timeout: { seconds: 30n, nanos: 500_000_000 }, retry: { delay: { nanos: 1_500_000 } }, stopGracePeriod: { seconds: 2n } }),
    );
    expect(spec.timeoutMs).toBe(30_500);
    expect(spec.retry.delayMs).toBe(2); // rounded up: a positive duration never becomes 0
    expect(spec.stopGraceMs).toBe(2_000);
  });

  it("resources: memory bigint → number, cpus and gpus as given", () => {
    expect(validateSubmit(req({ resources: { cpus: 1.5, memoryBytes: 512n * MiB, gpus: 2 } })).spec.resources).toEqual({
      cpus: 1.5,
      memoryBytes: 512 * 1024 * 1024,
      gpus: 2,
    });
  });

  it("an explicit pool is kept; an empty one becomes default", () => {
    expect(validateSubmit(req({ pool: "gpu_a-1" })).spec.pool).toBe("gpu_a-1");
    expect(validateSubmit(req({ pool: "" })).spec.pool).toBe("default");
  });

  it("the idempotency key is returned only when given", () => {
    expect(validateSubmit(req({}, "run-42"))).toHaveProperty("idempotencyKey", "run-42");
    expect(validateSubmit(req({}, ""))).not.toHaveProperty("idempotencyKey");
  });

  it("the spec is a copy: later changes to the request do not reach it", () => {
    const r = req({ command: ["a"], env: { A: "1" }, labels: { k: "v" } });
    const { spec } = validateSubmit(r);
    r.spec!.command.push("b");
    r.spec!.env.B = "2";
    r.spec!.labels.k2 = "v2";
    expect(spec).toMatchObject({ command: ["a"], env: { A: "1" }, labels: { k: "v" } });
  });
});

describe("validateSubmit: what a task may not set, and how it runs", () => {
  it.each(["TRAINYARD_TASK_ID", "TRAINYARD_ANYTHING", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES"])("refuses env %s (reserved)", (k) => {
    expect(() => validateSubmit(req({ env: { [k]: "x" } }))).toThrow(`spec.env: ${k} is reserved (names starting TRAINYARD_ or NVIDIA_ are set by Trainyard)`);
  });

  it.each(["root", "1000:", ":1000", "-1", "1000:1000:1", "1".repeat(11)])("refuses user %j", (user) => {
    expect(() => validateSubmit(req({ user }))).toThrow(/^spec\.user: /);
  });

  it("keeps a numeric user and a read-only root filesystem; neither by default", () => {
    expect(validateSubmit(req({ user: "1000:100", readOnlyRootfs: true })).spec).toMatchObject({ user: "1000:100", readOnlyRootfs: true });
    const { spec } = validateSubmit(req({}));
    expect(spec).not.toHaveProperty("user");
    expect(spec).not.toHaveProperty("readOnlyRootfs");
  });

  it("applies the default limits and the pool's maximum it is given", () => {
    const policy = { defaultCpus: 2, defaultMemoryBytes: 1024 ** 3, poolLimits: { default: { cpus: 4 } } };
    expect(validateSubmit(req({}), policy).spec.resources).toEqual({ cpus: 2, memoryBytes: 1024 ** 3, gpus: 0 });
    expect(() => validateSubmit(req({ resources: { cpus: 8 } }), policy)).toThrow(/^spec\.resources\.cpus: must be at most 4 in pool default/);
  });
});
