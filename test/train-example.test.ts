// The training example (examples/train/train.py in trainyard/train:local, built by
// scripts/setup.sh) run as a Trainyard task on real NATS and real Docker: per-epoch lines with
// loss and accuracy stream out, it ends SUCCEEDED, its checkpoint lands on a named volume that a
// second task then reads, and a third run of the same RUN_ID resumes from it. Bad settings
// (EPOCHS, EPOCH_SECONDS) exit 2. Resuming from TRAINYARD_CHECKPOINT_DIR (spec.checkpoint) after a
// retry on another agent is the checkpoint feature's own end-to-end test.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FailureReason, LogStream, TaskState } from "@trainyard/client";
import { startCluster, type TestCluster } from "./harness/cluster.js";
import { imageExists, removeVolumes, TRAIN_IMAGE } from "./harness/docker.js";
import { readLog, sh, spec, text } from "./harness/tasks.js";

let c: TestCluster;
const vol = `trainyard-test-train-${randomBytes(4).toString("hex")}`;
const checkpoints = { type: "volume" as const, source: vol, target: "/checkpoints" };

beforeAll(async () => {
  if (!(await imageExists(TRAIN_IMAGE))) {
    throw new Error(`image ${TRAIN_IMAGE} is missing: run scripts/setup.sh (examples/train/build-local.sh builds it)`);
  }
  c = await startCluster("train-example", { agents: [{ slots: 2 }] });
});
afterAll(async () => {
  await c?.stop();
  await removeVolumes([vol]);
});

describe("training example", () => {
  it("trains 3 epochs, streaming a line per epoch with loss and accuracy, and checkpoints to the volume", async () => {
    const { task } = await c.client.submit(
      spec({ image: TRAIN_IMAGE, command: [], env: { EPOCHS: "3", LEARNING_RATE: "0.5" }, mounts: [checkpoints] }),
    );
    // Follow the log while it runs, as the demo does.
    const followed = await readLog(c.client, task!.id, { follow: true });
    const done = await c.waitForState(task!.id, TaskState.SUCCEEDED);
    expect(done.exitCode).toBe(0);
    const out = text(followed, LogStream.STDOUT);
    const epochs = out.split("\n").filter((l) => l.startsWith("epoch "));
    expect(epochs).toHaveLength(3);
    epochs.forEach((l, i) => expect(l).toMatch(new RegExp(`^epoch ${i + 1}/3 loss=\\d+\\.\\d{4} acc=(0|1)\\.\\d{3} `)));
    const accs = epochs.map((l) => Number(/acc=([\d.]+)/.exec(l)![1]));
    expect(accs[2]!).toBeGreaterThan(0.6);
    expect(out).toContain(`(task ${task!.id}, attempt 1)`);
    expect(out).toMatch(new RegExp(`done: loss=[\\d.]+ acc=[\\d.]+; checkpoint in /checkpoints/${task!.id}/model.npz\\n$`));

    // A second task (busybox) mounts the same volume and finds the checkpoint.
    const { task: check } = await c.client.submit(
      spec({ command: sh(`ls /ck/${task!.id}; cat /ck/${task!.id}/checkpoint.json`), mounts: [{ ...checkpoints, target: "/ck", readOnly: true }] }),
    );
    await c.waitForState(check!.id, TaskState.SUCCEEDED);
    const [ls, json] = text(await readLog(c.client, check!.id), LogStream.STDOUT).split(/\n(?=\{)/);
    expect(ls!.split("\n").filter(Boolean).sort()).toEqual(["checkpoint.json", "model.npz"]);
    const ck = JSON.parse(json!) as { epoch: number; loss: number; acc: number };
    expect(ck.epoch).toBe(3);
    expect(ck.acc).toBeCloseTo(accs[2]!, 3);

    // A new task with RUN_ID = the first task's id resumes after epoch 3.
    const { task: resumed } = await c.client.submit(
      spec({ image: TRAIN_IMAGE, command: [], env: { EPOCHS: "4", LEARNING_RATE: "0.5", RUN_ID: task!.id }, mounts: [checkpoints] }),
    );
    await c.waitForState(resumed!.id, TaskState.SUCCEEDED);
    const again = text(await readLog(c.client, resumed!.id), LogStream.STDOUT);
    expect(again.split("\n").filter((l) => l.startsWith("resumed "))).toEqual([`resumed from epoch 3 (checkpoint in /checkpoints/${task!.id})`]);
    expect(again.split("\n").filter((l) => l.startsWith("epoch "))).toEqual([expect.stringMatching(/^epoch 4\/4 loss=/)]);
    expect(await c.containers()).toEqual([]);
  });

  it("a bad setting exits 2 with a message saying which and why", async () => {
    const { task } = await c.client.submit(spec({ image: TRAIN_IMAGE, command: [], env: { EPOCHS: "three" } }));
    const done = await c.waitForState(task!.id, TaskState.FAILED);
    expect([done.failureReason, done.exitCode]).toEqual([FailureReason.EXIT_CODE, 2]);
    expect(text(await readLog(c.client, task!.id), LogStream.STDERR)).toBe("train.py: EPOCHS='three' is not an integer\n");
  });

  it("a bad EPOCH_SECONDS exits 2 before training, saying why", async () => {
    const { task } = await c.client.submit(spec({ image: TRAIN_IMAGE, command: [], env: { EPOCHS: "1", EPOCH_SECONDS: "-1" } }));
    const done = await c.waitForState(task!.id, TaskState.FAILED);
    expect([done.failureReason, done.exitCode]).toEqual([FailureReason.EXIT_CODE, 2]);
    const log = await readLog(c.client, task!.id);
    expect(text(log, LogStream.STDERR)).toBe("train.py: EPOCH_SECONDS=-1 must be between 0 and 3600\n");
    expect(text(log, LogStream.STDOUT)).toBe("");
  });
});
