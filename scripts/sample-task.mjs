#!/usr/bin/env node
// Submits the training example (examples/train/train.py in the image trainyard/train:local that
// scripts/setup.sh builds) to the scheduler at TRAINYARD_ADDR (default 127.0.0.1:50051), its
// checkpoint directory /ckpt saved to NATS (TaskSpec.checkpoint), follows its log (task stdout
// to stdout, stderr to stderr, Trainyard's own lines marked), and prints the final state.
// Exit code: the task's. Used by `npm run demo`.
import { createTrainyardClient, FailureReason, LogStream, TaskState } from "@trainyard/client";

const addr = process.env.TRAINYARD_ADDR ?? "127.0.0.1:50051";
const image = process.env.TRAINYARD_SAMPLE_IMAGE ?? process.env.TRAINYARD_TRAIN_IMAGE ?? "trainyard/train:local";
const epochs = process.env.EPOCHS ?? "8";
const client = createTrainyardClient({ baseUrl: `http://${addr}` });

const { task } = await client.submit({
  spec: {
    image,
    env: { EPOCHS: epochs, BATCH_SIZE: "32", LEARNING_RATE: "0.5" },
    // Saved every 10 s and at the end; a retry on any host resumes from it.
    checkpoint: { path: "/ckpt", interval: { seconds: 10n } },
    labels: { example: "train" },
    retry: { maxRetries: 1 },
  },
});
console.log(`submitted ${task.id} (${image}, EPOCHS=${epochs}, checkpoint /ckpt); following its log:\n`);
const decoder = new TextDecoder();
// followLogs resumes by itself (after_seq) if the connection drops or the scheduler restarts.
for await (const f of client.followLogs(task.id)) {
  const text = decoder.decode(f.data);
  if (f.stream === LogStream.STDERR) process.stderr.write(text);
  else if (f.stream === LogStream.SYSTEM) process.stdout.write(text.replace(/^(?=.)/gm, "  [trainyard] "));
  else process.stdout.write(text);
}
const { task: done } = await client.get({ taskId: task.id });
const reason = done.failureReason ? ` (${FailureReason[done.failureReason]})` : "";
console.log(`\ntask ${done.id}: ${TaskState[done.state]}${reason}, exit code ${done.exitCode}, ${done.attempts.length} attempt(s) on ${done.attempts.map((a) => a.nodeId).join(", ")}`);
if (done.lastCheckpoint) console.log(`its checkpoint: npm run trainyard -- checkpoint ${done.id} -o ./checkpoint`);
process.exit(done.state === TaskState.SUCCEEDED ? 0 : done.exitCode || 1);
