// The LOGS stream is capped by default (issue 11): the largest of 8, 4, 2, 1 or 0.5 GiB that
// nats-server can reserve (a capped stream reserves its size; one that does not fit is refused).
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { TaskState } from "@trainyard/client";
import { STREAM } from "@trainyard/common";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { sh, spec } from "./harness/tasks.js";

// A server with 3 GiB of JetStream file storage: 8 and 4 GiB do not fit, 2 GiB does.
const conf = path.join(mkdtempSync(path.join(os.tmpdir(), "trainyard-logcap-")), "nats.conf");
writeFileSync(conf, "jetstream { max_file_store: 3221225472 }\n");

let c: TestCluster;
clusterForSuite("log-cap", { natsArgs: ["-c", conf] }, (x) => (c = x));

describe("LOGS cap", () => {
  it("takes the largest default cap the server can reserve, and tasks run", async () => {
    const nc = await connect({ servers: c.nats.url });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(STREAM.logs);
      expect(info.config.max_bytes).toBe(2 * 2 ** 30);
    } finally {
      await nc.close();
    }
    const { task } = await c.client.submit(spec({ command: sh("echo capped") }));
    await c.waitForState(task!.id, TaskState.SUCCEEDED);
  });
});
