// Dispatch is at-least-once and nothing waits forever: a dispatch message that leaves the work
// queue without its attempt running (acked by an agent that then did not run it) is noticed
// and the attempt is dispatched again; a redelivered message never starts a second run.
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { LogStream, TaskState } from "@trainyard/client";
import { dispatchSubject, poolConsumer, STREAM } from "@trainyard/common";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
clusterForSuite("dispatch", { agents: [], schedulerEnv: { TRAINYARD_DISPATCH_VERIFY: "1s" } }, (x) => (c = x));

describe("dispatch", () => {
  it("dispatches again when the message was taken but the attempt never ran", async () => {
    const { task } = await c.client.submit(spec({ command: sh("echo ran"), pool: "lossy" }));
    await c.waitFor(task!.id, (t) => t.attempts[0]!.dispatchTime !== undefined);

    // A rogue consumer takes the message and acks it without running anything.
    const nc = await connect({ servers: c.nats.url });
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(STREAM.dispatch, { durable_name: poolConsumer("lossy"), filter_subject: dispatchSubject("lossy"), ack_policy: AckPolicy.Explicit });
    const m = await (await js.consumers.get(STREAM.dispatch, poolConsumer("lossy"))).next({ expires: 5_000 });
    expect(m).not.toBeNull();
    await m!.ackAck();
    await nc.close();

    const agent = await c.startAgent({ pools: ["lossy"], slots: 1 });
    const done = await c.waitForState(task!.id, TaskState.SUCCEEDED, 60_000);
    expect(done.attempts).toHaveLength(1);
    const frames = await readLog(c.client, task!.id);
    expect(text(frames, LogStream.STDOUT)).toBe("ran\n");
    expect(text(frames, LogStream.SYSTEM)).toContain("dispatch of attempt 1 was taken but not run; dispatching it again");
    await agent.close();
  });
});
