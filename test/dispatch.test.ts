// Dispatch is at-least-once and nothing waits forever: a dispatch message that leaves the work
// queue without its attempt running (acked by an agent that then did not run it) is noticed
// and the attempt is dispatched again; a redelivered message never starts a second run.
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { LogStream, TaskState } from "@trainyard/client";
import { nodeConsumer, STREAM } from "@trainyard/common";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { fakeHeartbeat } from "./harness/nats.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("dispatch", { agents: [], schedulerEnv: { TRAINYARD_DISPATCH_VERIFY: "1s" } }, (x) => (c = x));

describe("dispatch", () => {
  it("dispatches again when the message was taken but the attempt never ran", async () => {
    // A node that heartbeats, so the attempt is placed and dispatched there, but no agent pulls yet.
    const id = `lossy-${process.pid}`;
    await fakeHeartbeat(c.nats.url, id, ["lossy"]);
    const { task } = await c.client.submit(spec({ command: sh("echo ran"), pool: "lossy" }));
    await c.waitFor(task!.id, (t) => t.attempts[0]!.dispatchTime !== undefined);

    // A rogue client takes the message from the node's queue and acks it without running anything.
    const nc = await connect({ servers: c.nats.url });
    const m = await (await jetstream(nc).consumers.get(STREAM.dispatch, nodeConsumer(id))).next({ expires: 5_000 });
    expect(m).not.toBeNull();
    await m!.ackAck();
    await nc.close();

    const agent = await c.startAgent({ id, pools: ["lossy"], slots: 1 });
    const done = await c.waitForState(task!.id, TaskState.SUCCEEDED, 60_000);
    expect(done.attempts).toHaveLength(1);
    const frames = await readLog(c.client, task!.id);
    expect(text(frames, LogStream.STDOUT)).toBe("ran\n");
    expect(text(frames, LogStream.SYSTEM)).toContain("dispatch of attempt 1 was taken but not run; dispatching it again");
    await agent.close();
  });
});
