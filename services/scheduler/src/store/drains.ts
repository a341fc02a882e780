/** Drains asked of the scheduler (DrainNode), stored in the KV bucket "drains" under the node id. */
import type { KV } from "@nats-io/kv";
import type { DrainRecord } from "@trainyard/common";

export interface Drains {
  put(nodeId: string, drain: DrainRecord): Promise<void>;
  remove(nodeId: string): Promise<void>;
}

export class KvDrains implements Drains {
  constructor(private readonly kv: KV) {}

  async put(nodeId: string, drain: DrainRecord): Promise<void> {
    await this.kv.put(nodeId, JSON.stringify(drain));
  }

  async remove(nodeId: string): Promise<void> {
    await this.kv.delete(nodeId);
  }
}
