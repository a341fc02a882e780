/**
 * What an agent offers the scheduler, from its configuration (TRAINYARD_AGENT_*): GPU device
 * ids, labels, network modes, and the devices `nvidia-smi` reports. Pure parsers; each throws
 * an Error saying what is wrong (config.ts names the variable).
 */
import type { GpuDevice } from "@trainyard/common";

export type NetworkMode = "none" | "host" | "bridge";
export const NETWORK_MODES: readonly NetworkMode[] = ["none", "host", "bridge"];

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_:.-]{0,127}$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$/;
const LABEL_VALUE = /^[A-Za-z0-9_./-]{0,63}$/;

/** "0,1,GPU-8f3c..." → those ids, distinct; "" → []. */
export function parseGpuIds(text: string): string[] {
  const ids = text.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = ids.find((id) => !DEVICE_ID.test(id));
  if (bad !== undefined) throw new Error(`${JSON.stringify(bad)} is not a device id (an index or a UUID)`);
  if (new Set(ids).size !== ids.length) throw new Error("device ids must be distinct");
  return ids;
}

/** "zone=a,gpu=a100" → { zone: "a", gpu: "a100" }. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = pair.indexOf("=");
    const [k, v] = eq < 0 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
    if (eq < 0 || !LABEL_KEY.test(k) || !LABEL_VALUE.test(v)) throw new Error(`${JSON.stringify(pair)} is not key=value (letters, digits, "_./-")`);
    if (k in labels) throw new Error(`label ${k} given twice`);
    labels[k] = v;
  }
  return labels;
}

/** "none,bridge" → those modes; "" → ["none"]. */
export function parseNetworkModes(text: string): NetworkMode[] {
  const modes = text.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = modes.find((m) => !NETWORK_MODES.includes(m as NetworkMode));
  if (bad !== undefined) throw new Error(`${JSON.stringify(bad)} is not one of ${NETWORK_MODES.join(", ")}`);
  return modes.length ? [...new Set(modes as NetworkMode[])] : ["none"];
}

/**
 * The devices in `nvidia-smi --query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits`
 * output (memory in MiB). Lines that do not parse are skipped.
 */
export function parseNvidiaSmi(csv: string): GpuDevice[] {
  const devices: GpuDevice[] = [];
  for (const line of csv.split("\n")) {
    const [index, uuid, name, mib] = line.split(",").map((s) => s.trim());
    if (!index || !/^\d+$/.test(index)) continue;
    const memory = Number(mib);
    devices.push({ id: index, ...(uuid ? { uuid } : {}), ...(name ? { name } : {}), ...(Number.isFinite(memory) && mib ? { memoryBytes: memory * 2 ** 20 } : {}) });
  }
  return devices;
}
