#!/usr/bin/env node
// Submits a sample task to the scheduler at TRAINYARD_ADDR (default 127.0.0.1:50051), follows
// its log (task stdout to stdout, stderr to stderr, Trainyard's own lines marked), and prints
// the final state. Exit code: the task's. Used by `npm run demo`.
import { createTrainyardClient, FailureReason, LogStream, TaskState } from "@trainyard/client";

const addr = process.env.TRAINYARD_ADDR ?? "127.0.0.1:50051";
const image = process.env.TRAINYARD_SAMPLE_IMAGE ?? "trainyard/busybox:test";
const client = createTrainyardClient({ baseUrl: `http://${addr}` });

const script = `
echo "sample training run: 5 epochs on synthetic data (task $TRAINYARD_TASK_ID, attempt $TRAINYARD_ATTEMPT)"
loss=1000
for epoch in 1 2 3 4 5; do
  sleep 0.4
  loss=$((loss * 6 / 10))
  printf "epoch %d/5 loss=0.%03d\n" "$epoch" "$loss"
done
echo "checkpoint would be written here" >&2
echo done`;

const { task } = await client.submit({
  spec: { image, command: ["sh", "-c", script], labels: { example: "sample" }, retry: { maxRetries: 1 } },
});
console.log(`submitted ${task.id}; following its log:\n`);
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
process.exit(done.state === TaskState.SUCCEEDED ? 0 : done.exitCode || 1);
