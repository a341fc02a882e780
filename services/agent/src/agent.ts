import { join } from "node:path";
import { jetstream, type JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { AgentService, file_trainyard_v1_agent } from "@trainyard/client";
import { connectNats, ensureInfrastructure, ensurePoolConsumer, type AgentEvent, type DispatchMessage } from "@trainyard/common";
import { startGrpcServer } from "@trainyard/common/grpc/index";
import { claimAttempt } from "./claim.js";
import type { AgentConfig } from "./config.js";
import { publishEvent } from "./events.js";
import { agentRoutes } from "./routes.js";
import { AttemptLog } from "./logs/attempt-log.js";
import { pullLoop } from "./pull-loop.js";
import { RunningAttempts, type RunningAttempt } from "./running.js";
import { runAttempt } from "./runner/run-attempt.js";
import type { ContainerRuntime } from "./runtime/container-runtime.js";
import { DockerRuntime } from "./runtime/docker-runtime.js";
import { Slots } from "./slots.js";

/**
 * The agent's composition root: NATS, Docker, one pull loop per pool, the task runner, and
 * the AgentService gRPC server.
 *
 *   starting ──▶ pulling ──close()──▶ stopping (no new work; running attempts are stopped
 *                                      with their grace period and reported) ──▶ closed
 */
export interface Agent {
  nodeId: string;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** After shutdown begins, how long outcomes of stopped attempts are retried before the agent gives up. */
const FINAL_REPORT_GRACE_MS = 30_000;

/** How long a dispatch message may stay unacknowledged before another agent gets it. */
const DISPATCH_ACK_WAIT_MS = 30_000;

export async function startAgent(config: AgentConfig, logger: Logger, runtime: ContainerRuntime = new DockerRuntime()): Promise<Agent> {
  const log = logger.child({ node: config.nodeId });
  const dockerVersion = await runtime.version();
  log.info({ dockerVersion }, "Docker Engine answers");
  const nc = await connectNats(config.natsServers, `trainyard-agent-${config.nodeId}`, log);
  const infra = await ensureInfrastructure(nc, config.infra);
  for (const pool of config.pools) await ensurePoolConsumer(nc, pool, DISPATCH_ACK_WAIT_MS);
  const js = jetstream(nc);
  const slots = new Slots(config.slots);
  const running = new RunningAttempts();
  const pulling = new AbortController();
  const shutdown = new AbortController();
  const lastCall = new AbortController();
  const attempts = new Set<Promise<unknown>>();
  const startTime = Date.now();

  async function handle(m: JsMsg, d: DispatchMessage): Promise<boolean> {
    const alog = log.child({ task: d.taskId, attempt: d.attempt });
    const claim = await claimAttempt(infra.tasks, infra.claims, d, config.nodeId, (t) => t.spec.resources.gpus <= config.gpus);
    if (!claim.claimed) {
      if (claim.why === "does-not-fit") {
        alog.debug("task does not fit this node; leaving it to another agent");
        m.nak(10_000);
      } else if (claim.why === "gone" && m.info.deliveryCount < 5) {
        m.nak(2_000); // maybe a read that lagged the write: look again shortly
      } else {
        alog.info({ why: claim.why }, "dispatch dropped");
        m.ack();
      }
      return false;
    }
    const mine = running.get(d.taskId);
    if (claim.again && mine && mine.attempt === d.attempt) {
      m.ack(); // a redelivery of what this agent already runs
      return false;
    }
    // The outcome is retried until FINAL_REPORT_GRACE_MS after shutdown began; the rest give up at shutdown.
    const report = (e: AgentEvent) => publishEvent(js, e, alog, e.type === "finished" ? lastCall.signal : shutdown.signal);
    await publishEvent(js, { type: "claimed", taskId: d.taskId, attempt: d.attempt, nodeId: config.nodeId, time: Date.now() }, alog, pulling.signal);
    m.ack();
    alog.info({ image: claim.task.spec.image }, "attempt claimed");
    const attemptLog = new AttemptLog({
      js,
      taskId: d.taskId,
      attempt: d.attempt,
      filePath: join(config.logDir, d.taskId, `attempt-${d.attempt}.log`),
      fileMaxBytes: config.logFileMaxBytes,
      fileKeep: config.logFileKeep,
      logger: alog,
      signal: shutdown.signal,
    });
    const entry: RunningAttempt = { taskId: d.taskId, attempt: d.attempt, image: claim.task.spec.image, startTime: Date.now(), log: attemptLog, finished: false };
    running.add(entry);
    const p = runAttempt({
      task: claim.task,
      attempt: d.attempt,
      nodeId: config.nodeId,
      runtime,
      js,
      tasks: infra.tasks,
      log: attemptLog,
      logger: alog,
      pidsLimit: config.pidsLimit,
      report,
      shutdown: shutdown.signal,
      onContainer: (id) => (entry.containerId = id),
    })
      .catch((err) => alog.error({ err }, "attempt runner failed"))
      .finally(() => {
        running.finish(d.taskId, d.attempt);
        slots.release();
        attempts.delete(p);
      });
    attempts.add(p);
    return true;
  }

  const loops = config.pools.map((pool) => pullLoop(js, pool, slots, handle, log, pulling.signal));

  const server = await startGrpcServer({
    address: config.grpcAddr,
    routes: agentRoutes({ config, slots, running, startTime, dockerVersion }),
    services: [AgentService.typeName],
    files: [file_trainyard_v1_agent],
    logger: log,
  });
  log.info({ url: server.url, pools: config.pools, slots: config.slots }, "agent serving");

  let closing: Promise<void> | undefined;
  return {
    nodeId: config.nodeId,
    url: server.url,
    port: server.port,
    close: () =>
      (closing ??= (async () => {
        pulling.abort();
        await Promise.all(loops);
        shutdown.abort();
        const giveUp = setTimeout(() => lastCall.abort(), FINAL_REPORT_GRACE_MS);
        await Promise.allSettled([...attempts]);
        clearTimeout(giveUp);
        await server.close();
        await nc.drain().catch(() => {});
        log.info("agent stopped");
      })()),
  };
}
