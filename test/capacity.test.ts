// What an agent advertises in its heartbeat (the nodes bucket) for the scheduler to place work
// by: CPUs, memory, GPU devices (declared here: there are no GPUs on these machines), labels
// and network modes.
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { describe, expect, it } from "vitest";
import { BUCKET, type NodeRecord } from "@trainyard/common";
import { NodeState } from "@trainyard/client";
import { clusterForSuite, createAgentClient, type TestCluster } from "./harness/cluster.js";

let c: TestCluster;
clusterForSuite(
  "capacity",
  {
    agents: [
      {
        env: {
          TRAINYARD_AGENT_GPU_IDS: "0,GPU-1d2c",
          TRAINYARD_AGENT_CPUS: "6",
          TRAINYARD_AGENT_MEMORY: "12g",
          TRAINYARD_AGENT_LABELS: "zone=a,gpu=test",
          TRAINYARD_AGENT_NETWORK_MODES: "none,bridge",
        },
      },
    ],
  },
  (x) => (c = x),
);

describe("an agent's heartbeat", () => {
  it("carries what the node offers", async () => {
    const nc = await connect({ servers: c.nats.url });
    try {
      const nodes = await new Kvm(nc).open(BUCKET.nodes);
      const record = (await nodes.get(c.agents[0]!.nodeId))!.json<NodeRecord>();
      expect(record).toMatchObject({
        gpus: 2,
        gpuDevices: [{ id: "0" }, { id: "GPU-1d2c" }],
        cpus: 6,
        memoryBytes: 12 * 2 ** 30,
        labels: { zone: "a", gpu: "test" },
        networkModes: ["none", "bridge"],
      });
    } finally {
      await nc.close();
    }
  });

  it("and the agent's GetNode, and the scheduler's ListNodes, show the same", async () => {
    const fromAgent = (await createAgentClient({ baseUrl: c.agents[0]!.url }).getNode({})).node!;
    const fromScheduler = (await c.client.listNodes({})).nodes.find((n) => n.id === c.agents[0]!.nodeId)!;
    for (const n of [fromAgent, fromScheduler]) {
      expect(n).toMatchObject({ state: NodeState.READY, cpus: 6, memoryBytes: 12n * 2n ** 30n, labels: { zone: "a", gpu: "test" }, networkModes: ["none", "bridge"] });
      expect(n.gpuDevices.map((d) => [d.id, d.taskId])).toEqual([["0", ""], ["GPU-1d2c", ""]]);
    }
  });
});
