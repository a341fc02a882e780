/**
 * An agent's heartbeat, put in the KV bucket "nodes" under its id every lease/6. The entry's
 * KV timestamp (the NATS server's clock) is when the node was last seen: the scheduler
 * declares the node lost when lastSeen + leaseMs has passed.
 */
export interface NodeRecord {
  id: string;
  pools: string[];
  slots: number;
  gpus: number;
  leaseMs: number;
  startTime: number;
  /** The agent's own clock when it wrote this; informational. */
  heartbeatTime: number;
  draining: boolean;
  running: { taskId: string; attempt: number; containerId?: string }[];
  /** What the node offers for placement; absent in heartbeats of agents from before placement. */
  cpus?: number;
  memoryBytes?: number;
  gpuDevices?: GpuDevice[];
  labels?: Record<string, string>;
  networkModes?: ("none" | "host" | "bridge")[];
}

/** A GPU as an agent knows it: `id` is what Docker and NVIDIA_VISIBLE_DEVICES take (an index or a UUID). */
export interface GpuDevice {
  id: string;
  uuid?: string;
  name?: string;
  memoryBytes?: number;
}

/** The node's GPU devices; an agent from before device ids advertised a count, meaning ids 0..N-1. */
export function gpuDevicesOf(r: NodeRecord): GpuDevice[] {
  return Array.isArray(r.gpuDevices) ? r.gpuDevices : Array.from({ length: r.gpus ?? 0 }, (_, i) => ({ id: String(i) }));
}

/** A drain asked of the scheduler (DrainNode), in the KV bucket "drains" under the node id. */
export interface DrainRecord {
  /** When it was asked (epoch ms). */
  time: number;
  /** Past it (epoch ms), the node's running attempts are stopped and end NODE_LOST; absent: none. */
  deadline?: number;
  /** The token's name of who asked. */
  by?: string;
}
