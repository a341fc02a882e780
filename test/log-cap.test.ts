// The LOGS stream and the small buckets are capped by default (issue 11): the buckets at fixed
// sizes, then LOGS at the largest of 8, 4, 2, 1 or 0.5 GiB that nats-server can still reserve (a
// capped stream reserves its size; one that does not fit is refused).
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { TaskState } from "@trainyard/client";
import { BUCKET, BUCKET_CAPS, STREAM } from "@trainyard/common";
import { clusterForSuite, type TestCluster } from "./harness/cluster.js";
import { sh, spec } from "./harness/tasks.js";

// A server with 4 GiB of JetStream file storage: with the buckets' caps reserved, 8 and 4 GiB do not fit, 2 GiB does.
const conf = path.join(mkdtempSync(path.join(os.tmpdir(), "trainyard-logcap-")), "nats.conf");
writeFileSync(conf, `jetstream { max_file_store: ${4 * 2 ** 30} }\n`);

let c: TestCluster;
clusterForSuite("log-cap", { natsArgs: ["-c", conf] }, (x) => (c = x));

describe("storage caps", () => {
  it("take the largest default caps the server can reserve, and tasks run", async () => {
    const nc = await connect({ servers: c.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const cap = async (stream: string) => (await jsm.streams.info(stream)).config.max_bytes;
      expect(await cap(STREAM.logs)).toBe(2 * 2 ** 30);
      expect(await cap(`KV_${BUCKET.tasks}`)).toBe(-1); // bounded by the scheduler (test/tasks-cap.test.ts)
      for (const [name, bytes] of Object.entries(BUCKET_CAPS)) expect(await cap(`KV_${name}`)).toBe(bytes);
      expect((await jsm.streams.info(`KV_${BUCKET.tasks}`)).config.max_msgs_per_subject).toBe(1);
    } finally {
      await nc.close();
    }
    const { task } = await c.client.submit(spec({ command: sh("echo capped") }));
    await c.waitForState(task!.id, TaskState.SUCCEEDED);
  });
});
