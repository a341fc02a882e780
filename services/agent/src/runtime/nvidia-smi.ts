/**
 * The host's GPUs as `nvidia-smi` lists them; none when it is not installed, fails, or takes
 * longer than 10 s (logged). Used when TRAINYARD_AGENT_GPU_IDS and TRAINYARD_AGENT_GPUS are unset.
 */
import { execFile } from "node:child_process";
import type { Logger } from "pino";
import type { GpuDevice } from "@trainyard/common";
import { parseNvidiaSmi } from "../core/capacity.js";

export function detectGpus(logger: Logger, bin = "nvidia-smi"): Promise<GpuDevice[]> {
  return new Promise((resolve) => {
    execFile(bin, ["--query-gpu=index,uuid,name,memory.total", "--format=csv,noheader,nounits"], { timeout: 10_000 }, (err, stdout) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") logger.warn({ err: String(err) }, "nvidia-smi failed: no GPUs offered");
        return resolve([]);
      }
      resolve(parseNvidiaSmi(stdout));
    });
  });
}
