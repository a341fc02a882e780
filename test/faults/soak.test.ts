// Soak: 50 tasks on two agent processes while a seeded random schedule SIGKILLs agents (restarted
// within their lease, or with their host "lost": containers gone too), the scheduler, and
// nats-server. Every third task asks for one of each agent's two declared GPUs; every fourth
// checkpoints its count and resumes from it; every tenth waits for the task before it (a
// dependency chain). Afterwards: every task is final, no two attempts of a task overlapped, no
// device was held by two attempts at once (and each container saw exactly its record's
// devices), no container is left, every line an attempt wrote was delivered exactly once, a
// checkpointed retry never started past where its task had got to, and no child started before
// its parent ended.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTrainyardClient, FailureReason, LogStream, TaskState, type SchedulerClient, type Task } from "@trainyard/client";
import { dockerAvailable, dockerRequest, listContainers, removeContainers } from "../harness/docker.js";
import { freePort, startNats, type NatsServer } from "../harness/nats.js";
import { startService, waitForLine, type ServiceProcess } from "../harness/processes.js";
import { ms, readLog, sh, spec, text } from "../harness/tasks.js";

const TASKS = 50;
const LINES = 60;
const LEASE = "4s";
const SEED = 20261128;
let nats: NatsServer;
let schedPort: number;
let client: SchedulerClient;
let scheduler: ServiceProcess;
const agents = new Map<string, ServiceProcess>();
const all: ServiceProcess[] = [];
const ids = [`soak-a-${process.pid}`, `soak-b-${process.pid}`];

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function startScheduler(): ServiceProcess {
  const p = startService("scheduler", "soak-scheduler", { TRAINYARD_NATS_URL: nats.url, TRAINYARD_GRPC_ADDR: `127.0.0.1:${schedPort}`, TRAINYARD_AGENT_LEASE: LEASE, TRAINYARD_DISPATCH_VERIFY: "3s" });
  all.push(p);
  return p;
}

function startAgent(id: string): ServiceProcess {
  const p = startService("agent", id, {
    TRAINYARD_NATS_URL: nats.url,
    TRAINYARD_AGENT_ID: id,
    TRAINYARD_AGENT_SLOTS: "4",
    // Declared devices, given by NVIDIA_VISIBLE_DEVICES: every third task asks for one.
    TRAINYARD_AGENT_GPU_IDS: "0,1",
    TRAINYARD_AGENT_GPU_MODE: "env",
    TRAINYARD_AGENT_LEASE: LEASE,
    TRAINYARD_AGENT_GRPC_ADDR: "127.0.0.1:0",
    TRAINYARD_LOG_DIR: `/tmp/trainyard-tests/${id}`,
  });
  agents.set(id, p);
  all.push(p);
  return p;
}

beforeAll(async () => {
  await dockerAvailable();
  nats = await startNats();
  schedPort = await freePort();
  scheduler = startScheduler();
  await waitForLine(scheduler, "scheduler serving");
  for (const id of ids) await waitForLine(startAgent(id), "agent serving");
  client = createTrainyardClient({ baseUrl: `http://127.0.0.1:${schedPort}` });
});
afterAll(async () => {
  all.forEach((p) => p.kill("SIGKILL"));
  await nats?.stop();
  for (const id of ids) await removeContainers(`trainyard.node=${id}`);
});

const checkpointed = (i: number) => i % 4 === 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function retrying<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (err) {
      if (i > 200) throw err;
      await sleep(250);
    }
  }
}

describe("soak", () => {
  it(`${TASKS} tasks under random kills: all final, no overlap, nothing leaked, every line exactly once`, async () => {
    const random = mulberry32(SEED);
    const taskIds: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const { task } = await retrying(() =>
        client.submit(
          spec({
            command: sh(
              checkpointed(i)
                ? `echo "gpu=$NVIDIA_VISIBLE_DEVICES" >&2; s=$(cat /c/n 2>/dev/null || echo 0); echo "from $s"; mkdir -p /c; for i in $(seq $((s+1)) ${LINES}); do echo "${i} $i"; echo $i > /c/t && mv /c/t /c/n; sleep 0.05; done`
                : `echo "gpu=$NVIDIA_VISIBLE_DEVICES" >&2; for i in $(seq 1 ${LINES}); do echo "${i} $i"; sleep 0.05; done`,
            ),
            ...(checkpointed(i) ? { checkpoint: { path: "/c", intervalMs: 1_000 } } : {}),
            ...(i % 10 === 5 ? { dependsOn: [{ taskId: taskIds[i - 1]! }] } : {}),
            gpus: i % 3 === 0 ? 1 : 0,
            maxRetries: 0,
            delayMs: 200,
            idempotencyKey: `soak-${SEED}-${i}`,
          }),
        ),
      );
      taskIds.push(task!.id);
    }

    const kills = { agentRestart: 0, hostLost: 0, scheduler: 0, nats: 0 };
    const timeline: string[] = [];
    const t0 = Date.now();
    const mark = (what: string) => timeline.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      await sleep(1_000 + random() * 1_500);
      const r = random();
      if (r < 0.45) {
        const id = ids[Math.floor(random() * ids.length)]!;
        const p = agents.get(id)!;
        p.kill("SIGKILL");
        await p.exited;
        mark(`kill agent ${id}`);
        if (random() < 0.25) {
          // The host is lost with the agent: its containers die too; the agent returns after the lease.
          for (const c of await listContainers(`trainyard.node=${id}`)) await dockerRequest("POST", `/containers/${c}/kill`);
          kills.hostLost++;
          await sleep(5_000);
        } else {
          kills.agentRestart++;
          await sleep(300 + random() * 1_500);
        }
        startAgent(id);
      } else if (r < 0.75) {
        scheduler.kill("SIGKILL");
        await scheduler.exited;
        mark("kill scheduler");
        kills.scheduler++;
        await sleep(200 + random() * 1_000);
        scheduler = startScheduler();
      } else {
        nats.kill("SIGKILL");
        mark("kill nats");
        kills.nats++;
        await sleep(500 + random() * 1_500);
        await nats.restart();
      }
    }

    const finals: Task[] = [];
    for (const id of taskIds) {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const t = await retrying(async () => (await client.get({ taskId: id })).task!);
        if ([TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED].includes(t.state)) {
          finals.push(t);
          break;
        }
        if (Date.now() > deadline) throw new Error(`task ${id} never ended: ${TaskState[t.state]} ${t.message}`);
        await sleep(200);
      }
    }

    let resumed = 0;
    let resumedAhead = 0;
    let chains = 0;
    let earlyChildren = 0;
    let duplicated = 0;
    let missing = 0;
    let overlaps = 0;
    let sharedDevices = 0;
    let wrongDevices = 0;
    const devices = new Map<string, [number, number, string][]>();
    const problems: string[] = [];
    for (const [i, t] of finals.entries()) {
      for (let k = 1; k < t.attempts.length; k++) {
        if (ms(t.attempts[k]!.startTime) < ms(t.attempts[k - 1]!.endTime)) overlaps++;
      }
      const frames = await retrying(() => readLog(client, t.id));
      const from = (s: number) => Array.from({ length: LINES - s }, (_, j) => `${i} ${s + j + 1}\n`).join("");
      let reached = 0; // the last line a checkpointed task's attempts wrote
      if (i % 10 === 5) {
        const parent = finals[i - 1]!;
        chains++;
        if (t.attempts[0]!.startTime && ms(t.attempts[0]!.startTime) < ms(parent.endTime)) {
          earlyChildren++;
          problems.push(`${t.id} (#${i}) started before its parent ${parent.id} ended`);
        }
      }
      for (const a of t.attempts) {
        // What the container saw (an attempt lost with its host may not have shipped the line).
        const seen = text(frames.filter((f) => f.attempt === a.number), LogStream.STDERR).trim();
        const want = `gpu=${a.gpuIds.length ? a.gpuIds.join(",") : "void"}`;
        if (seen !== "" && seen !== want) {
          wrongDevices++;
          problems.push(`${t.id} (#${i}) attempt ${a.number} on ${a.nodeId} (${TaskState[a.state]}): saw ${JSON.stringify(seen)}, record says ${want}`);
        }
        // An attempt that never started (lost while claimed) ran no container: it held no device.
        // (Its NaN start would also make the sort below meaningless.)
        if (a.startTime) for (const g of a.gpuIds) devices.set(`${a.nodeId}/${g}`, [...(devices.get(`${a.nodeId}/${g}`) ?? []), [ms(a.startTime), ms(a.endTime), `${t.id} #${a.number}`]]);
        let out = text(frames.filter((f) => f.attempt === a.number), LogStream.STDOUT);
        let expected = from(0);
        if (checkpointed(i) && out !== "") {
          const start = Number(/^from (\d+)\n/.exec(out)?.[1] ?? -1);
          // Past what was shipped is fine only after a lost host (its last lines may be lost with it).
          const prev = t.attempts[a.number - 2];
          if (start < 0 || (start > reached && prev?.failureReason !== FailureReason.NODE_LOST)) {
            resumedAhead++;
            problems.push(`${t.id} (#${i}) attempt ${a.number} started from ${start}, its task had reached ${reached}`);
          }
          if (start > 0) resumed++;
          out = out.replace(/^from \d+\n/, "");
          expected = from(Math.max(0, start));
          reached = Math.max(reached, start + out.split("\n").filter(Boolean).length);
        }
        if (!expected.startsWith(out)) duplicated++;
        if (a.state === TaskState.SUCCEEDED && out !== expected) missing++;
        if (!expected.startsWith(out) || (a.state === TaskState.SUCCEEDED && out !== expected)) {
          const got = out.split("\n").filter(Boolean);
          problems.push(`${t.id} (#${i}) attempt ${a.number} on ${a.nodeId}: ${got.length} lines, first ${got[0]}, last ${got[got.length - 1]}; started ${((ms(a.startTime) - t0) / 1000).toFixed(1)}s ended ${((ms(a.endTime) - t0) / 1000).toFixed(1)}s`);
        }
      }
    }
    // No device was ever held by two attempts at once (from the records' gpu_ids and times).
    for (const spans of devices.values()) {
      spans.sort((x, y) => x[0] - y[0]);
      for (let k = 1; k < spans.length; k++) {
        if (spans[k]![0] >= spans[k - 1]![1]) continue;
        sharedDevices++;
        const [a, b] = [spans[k - 1]!, spans[k]!];
        problems.push(`device shared: ${a[2]} ${((a[0] - t0) / 1000).toFixed(1)}–${((a[1] - t0) / 1000).toFixed(1)}s and ${b[2]} from ${((b[0] - t0) / 1000).toFixed(1)}s`);
      }
    }
    for (const id of ids) await waitForLine(agents.get(id)!, "agent serving");
    let leaked = 0;
    for (let i = 0; i < 50; i++) {
      leaked = (await Promise.all(ids.map((id) => listContainers(`trainyard.node=${id}`)))).flat().length;
      if (leaked === 0) break;
      await sleep(200);
    }
    const summary = {
      tasks: TASKS,
      kills,
      succeeded: finals.filter((t) => t.state === TaskState.SUCCEEDED).length,
      retried: finals.filter((t) => t.attempts.length > 1).length,
      lost: TASKS - finals.length,
      duplicated,
      missing,
      overlaps,
      leaked,
      gpuTasks: finals.filter((t) => t.spec!.resources!.gpus > 0).length,
      sharedDevices,
      wrongDevices,
      checkpointed: TASKS - finals.filter((_, i) => !checkpointed(i)).length,
      resumed,
      resumedAhead,
      chains,
      earlyChildren,
    };
    console.log(`soak: ${JSON.stringify(summary)}`);
    if (problems.length) console.log(`soak problems:\n${problems.join("\n")}\ntimeline:\n${timeline.join("\n")}`);
    expect(summary).toMatchObject({ lost: 0, duplicated: 0, missing: 0, overlaps: 0, leaked: 0, succeeded: TASKS, sharedDevices: 0, wrongDevices: 0, resumedAhead: 0, earlyChildren: 0 });
    // 30 s of kills, then up to two minutes for the last task to end: a whole run takes 90–130 s
    // beside the other suites on two shared cores, so it gets more than the default two minutes.
  }, 300_000);
});
