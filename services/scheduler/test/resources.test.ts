/** Default container limits and each pool's maximum (core/resources.ts), and TRAINYARD_POOL_LIMITS. */
import { describe, expect, it } from "vitest";
import { applyResourcePolicy, parsePoolLimits, type ResourcePolicy } from "../src/core/resources.js";

const GiB = 1024 ** 3;
const policy: ResourcePolicy = { defaultCpus: 2, defaultMemoryBytes: 4 * GiB, poolLimits: { small: { cpus: 1, memoryBytes: 2 * GiB }, "*": { cpus: 16 } } };

describe("applyResourcePolicy", () => {
  it.each([
    ["asks for nothing: the defaults", { cpus: 0, memoryBytes: 0, gpus: 0 }, "default", { cpus: 2, memoryBytes: 4 * GiB, gpus: 0 }],
    ["asks for limits: its own", { cpus: 8, memoryBytes: 64 * GiB, gpus: 1 }, "default", { cpus: 8, memoryBytes: 64 * GiB, gpus: 1 }],
    ["asks for nothing in a small pool: the defaults, cut to the pool's maximum", { cpus: 0, memoryBytes: 0, gpus: 0 }, "small", { cpus: 1, memoryBytes: 2 * GiB, gpus: 0 }],
    ["asks for the pool's maximum: it", { cpus: 1, memoryBytes: 2 * GiB, gpus: 0 }, "small", { cpus: 1, memoryBytes: 2 * GiB, gpus: 0 }],
  ])("%s", (_, r, pool, expected) => {
    expect(applyResourcePolicy(r, pool, policy)).toEqual(expected);
  });

  it.each([
    ["more CPUs than the pool allows", { cpus: 2, memoryBytes: 0, gpus: 0 }, "small", "spec.resources.cpus: must be at most 1 in pool small (TRAINYARD_POOL_LIMITS)"],
    ["more memory than the pool allows", { cpus: 0, memoryBytes: 3 * GiB, gpus: 0 }, "small", `spec.resources.memory_bytes: must be at most ${2 * GiB} in pool small (TRAINYARD_POOL_LIMITS)`],
    ["more CPUs than every other pool allows (*)", { cpus: 17, memoryBytes: 0, gpus: 0 }, "gpu", "spec.resources.cpus: must be at most 16 in pool gpu (TRAINYARD_POOL_LIMITS)"],
  ])("refuses %s: INVALID_ARGUMENT naming the field", (_, r, pool, message) => {
    expect(() => applyResourcePolicy(r, pool, policy)).toThrow(expect.objectContaining({ kind: "invalid_argument", message }));
  });
});

describe("parsePoolLimits", () => {
  it("reads pool:cpus=N,memory=SIZE entries; * for every other pool", () => {
    expect(parsePoolLimits(" gpu:cpus=64,memory=512g ; *:cpus=8 ")).toEqual({ gpu: { cpus: 64, memoryBytes: 512 * GiB }, "*": { cpus: 8 } });
    expect(parsePoolLimits("")).toEqual({});
  });

  it.each([["gpu"], ["gpu:cpus=0"], ["gpu:memory=lots"], ["gpu:disk=1g"], ["bad pool:cpus=1"]])("refuses %j", (text) => {
    expect(() => parsePoolLimits(text)).toThrow();
  });
});
