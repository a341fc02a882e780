/** What an agent offers: GPU ids, labels, network modes, nvidia-smi's devices, and the variables that set them. */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { InvalidArgumentError } from "@trainyard/common";
import { parseGpuIds, parseLabels, parseNetworkModes, parseNvidiaSmi } from "../../src/core/capacity.js";
import { loadAgentConfig } from "../../src/config.js";
import { detectGpus } from "../../src/runtime/nvidia-smi.js";

const field = (env: Record<string, string>) => {
  try {
    loadAgentConfig({ TRAINYARD_AGENT_ID: "n1", ...env });
    return "ok";
  } catch (err) {
    return (err as InvalidArgumentError).field;
  }
};

describe("parsers", () => {
  it("take device ids, labels and network modes, and refuse what is not one", () => {
    expect(parseGpuIds("0, 1,GPU-8f3c2a10-aaaa")).toEqual(["0", "1", "GPU-8f3c2a10-aaaa"]);
    expect(() => parseGpuIds("0,0")).toThrow(/distinct/);
    expect(() => parseGpuIds("0;rm")).toThrow(/device id/);
    expect(parseLabels("zone=a, gpu=a100,empty=")).toEqual({ zone: "a", gpu: "a100", empty: "" });
    expect(() => parseLabels("zone")).toThrow(/key=value/);
    expect(() => parseLabels("a=1,a=2")).toThrow(/twice/);
    expect(parseNetworkModes("")).toEqual(["none"]);
    expect(parseNetworkModes("none,bridge,none")).toEqual(["none", "bridge"]);
    expect(() => parseNetworkModes("overlay")).toThrow(/none, host, bridge/);
  });

  it("reads nvidia-smi's CSV", () => {
    const csv = "0, GPU-aaa, NVIDIA A100-SXM4-80GB, 81920\n1, GPU-bbb, NVIDIA A100-SXM4-80GB, 81920\n\nNo devices were found\n";
    expect(parseNvidiaSmi(csv)).toEqual([
      { id: "0", uuid: "GPU-aaa", name: "NVIDIA A100-SXM4-80GB", memoryBytes: 81920 * 2 ** 20 },
      { id: "1", uuid: "GPU-bbb", name: "NVIDIA A100-SXM4-80GB", memoryBytes: 81920 * 2 ** 20 },
    ]);
  });
});

describe("detectGpus", () => {
  it("asks nvidia-smi; none when it is missing or fails", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "trainyard-nvsmi-"));
    const fake = path.join(dir, "nvidia-smi");
    writeFileSync(fake, '#!/bin/sh\necho "0, GPU-aaa, Fake GPU, 1024"\n');
    chmodSync(fake, 0o755);
    const log = pino({ level: "silent" });
    expect(await detectGpus(log, fake)).toEqual([{ id: "0", uuid: "GPU-aaa", name: "Fake GPU", memoryBytes: 2 ** 30 }]);
    expect(await detectGpus(log, path.join(dir, "absent"))).toEqual([]);
    writeFileSync(fake, "#!/bin/sh\nexit 9\n");
    expect(await detectGpus(log, fake)).toEqual([]);
  });
});

describe("loadAgentConfig: capacity", () => {
  it("declared GPU ids win; TRAINYARD_AGENT_GPUS=N means 0..N-1; neither: detect at start", () => {
    expect(loadAgentConfig({ TRAINYARD_AGENT_ID: "n1", TRAINYARD_AGENT_GPU_IDS: "2,3", TRAINYARD_AGENT_GPUS: "8" })).toMatchObject({ gpuIds: ["2", "3"], gpus: 2 });
    expect(loadAgentConfig({ TRAINYARD_AGENT_ID: "n1", TRAINYARD_AGENT_GPUS: "2" })).toMatchObject({ gpuIds: ["0", "1"], gpus: 2 });
    expect(loadAgentConfig({ TRAINYARD_AGENT_ID: "n1" }).gpuIds).toBeUndefined();
  });

  it("accounts no CPUs or memory unless told (slots and GPUs only), labels and network modes as given", () => {
    const c = loadAgentConfig({ TRAINYARD_AGENT_ID: "n1", TRAINYARD_AGENT_LABELS: "zone=a", TRAINYARD_AGENT_NETWORK_MODES: "none,host" });
    expect(c).toMatchObject({ cpus: 0, memoryBytes: 0, labels: { zone: "a" }, networkModes: ["none", "host"], gpuMode: "device-requests" });
    expect(loadAgentConfig({ TRAINYARD_AGENT_ID: "n1", TRAINYARD_AGENT_CPUS: "6", TRAINYARD_AGENT_MEMORY: "32g", TRAINYARD_AGENT_GPU_MODE: "env" })).toMatchObject({ cpus: 6, memoryBytes: 32 * 2 ** 30, gpuMode: "env" });
  });

  it("names the variable that is wrong", () => {
    expect(field({ TRAINYARD_AGENT_GPU_IDS: "0,0" })).toBe("TRAINYARD_AGENT_GPU_IDS");
    expect(field({ TRAINYARD_AGENT_GPU_MODE: "cuda" })).toBe("TRAINYARD_AGENT_GPU_MODE");
    expect(field({ TRAINYARD_AGENT_CPUS: "-1" })).toBe("TRAINYARD_AGENT_CPUS");
    expect(field({ TRAINYARD_AGENT_MEMORY: "lots" })).toBe("TRAINYARD_AGENT_MEMORY");
    expect(field({ TRAINYARD_AGENT_LABELS: "x" })).toBe("TRAINYARD_AGENT_LABELS");
    expect(field({ TRAINYARD_AGENT_NETWORK_MODES: "overlay" })).toBe("TRAINYARD_AGENT_NETWORK_MODES");
    expect(field({ TRAINYARD_AGENT_ID: "a.b" })).toBe("TRAINYARD_AGENT_ID");
  });
});
