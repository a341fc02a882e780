/**
 * The agent's composition root: NATS, Docker, recovery of its own containers, heartbeats,
 * one pull loop per pool, the attempt host, and the AgentService gRPC server.
 *
 *   starting ──recover (re-attach / remove)──▶ pulling ──Drain──▶ draining (no new work)
 *      close() (SIGTERM): stop pulling, leave running containers for the next start
 *      (their logs flushed, nothing reported), stop heartbeating ──▶ closed
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { AgentService, file_trainyard_v1_agent } from "@trainyard/client";
import {
  agentInbox,
  AuthFile,
  authInterceptor,
  connectNats,
  InfrastructureMissingError,
  nodeConsumer,
  once,
  onSighup,
  openInfrastructure,
  whileNatsStarts,
  type AgentEvent,
  type NodeRecord,
} from "@trainyard/common";
import { requireAuthBeyondLoopback, startGrpcServer } from "@trainyard/common/grpc/index";
import { createMetricsRegistry, startMetricsServer } from "@trainyard/common/metrics/index";
import { publishEvent } from "./bus/events.js";
import { natsCheckpointStore } from "./bus/checkpoints.js";
import { NatsAttemptRecords } from "./bus/records.js";
import type { AgentConfig } from "./config.js";
import { fitsNode } from "./core/dispatch-decision.js";
import { claimAttempt } from "./intake/claim.js";
import { DockerGate } from "./intake/docker-gate.js";
import { pullLoop } from "./intake/pull-loop.js";
import { startLogDirSweeper } from "./logs/sweep-log-dir.js";
import { Slots } from "./intake/slots.js";
import { takeDispatch } from "./intake/take-dispatch.js";
import { Heartbeat } from "./liveness/heartbeat.js";
import { LeaseGuard } from "./liveness/lease-guard.js";
import { reconcileContainers } from "./liveness/reconcile-containers.js";
import { recover } from "./liveness/recover.js";
import { AgentMetrics } from "./metrics.js";
import { agentRoutes, type AgentState } from "./routes.js";
import { AttemptHost } from "./runner/attempt-host.js";
import { RunningAttempts } from "./runner/running.js";
import type { ContainerRuntime } from "./runtime/container-runtime.js";
import { DockerRuntime } from "./runtime/docker-runtime.js";
import { detectGpus } from "./runtime/nvidia-smi.js";

export interface Agent {
  nodeId: string;
  url: string;
  port: number;
  /** The /metrics URL ("http://127.0.0.1:9465/metrics"); undefined when metrics are off. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

export async function startAgent(config: AgentConfig, logger: Logger, runtime: ContainerRuntime = new DockerRuntime()): Promise<Agent> {
  const log = logger.child({ node: config.nodeId });
  requireAuthBeyondLoopback([config.grpcAddr], { auth: config.authFile !== "", insecure: config.insecure });
  const auth = config.authFile ? await AuthFile.load(config.authFile) : undefined;
  const dockerVersion = await runtime.version();
  log.info({ dockerVersion }, "Docker Engine answers");
  const gpuDevices = config.gpuIds ? config.gpuIds.map((id) => ({ id })) : await detectGpus(log);
  config = { ...config, gpuIds: gpuDevices.map((d) => d.id), gpus: gpuDevices.length };
  const nc = await connectNats(config.nats, agentInbox(config.nodeId), `trainyard-agent-${config.nodeId}`, log);
  const { infra, jsm, previous } = await whileNatsStarts(
    "opening streams and buckets",
    async () => {
      const infra = await openInfrastructure(nc);
      // This node's last heartbeat from before a restart: the attempts it held.
      const last = await infra.nodes.get(config.nodeId);
      return { infra, jsm: await jetstreamManager(nc), previous: last?.operation === "PUT" ? last.json<NodeRecord>() : null };
    },
    log,
    undefined,
    (err) => (err instanceof InfrastructureMissingError ? "waiting for the scheduler to create streams and buckets" : undefined),
  );
  const js = jetstream(nc);
  const slots = new Slots(config.slots);
  const running = new RunningAttempts();
  const metrics = new AgentMetrics(createMetricsRegistry(), { total: config.slots, inUse: () => running.active().length });
  const records = new NatsAttemptRecords(infra, jsm, config.nodeId);
  const checkpoints = natsCheckpointStore(nc, js, jsm, config.checkpointMaxBytes);
  const host = new AttemptHost({ config, js, records, checkpoints, runtime, slots, running, logger: log, metrics });
  const pulling = new AbortController();
  const stopping = new AbortController();
  const state: AgentState = { config, slots, host, startTime: Date.now(), dockerVersion, draining: false, gpuDevices };

  const report = (e: AgentEvent, signal = stopping.signal) => publishEvent(js, e, log.child({ task: e.taskId, attempt: e.attempt }), signal);
  const reattached = await recover({
    nodeId: config.nodeId,
    previous,
    records,
    runtime,
    reattach: (task, attempt, containerId, from, gpuIds) => {
      slots.take();
      host.launch(task, attempt, { reattach: { containerId, gpuIds, ...(from.resume ? { resume: from.resume } : {}) }, from });
    },
    report,
    logger: log,
  });

  const heartbeat = new Heartbeat(infra.nodes, () => nodeRecord(state), Math.max(100, config.leaseMs / 6), log, () =>
    reconcileContainers(host, records, runtime, config.nodeId, log),
  );
  await heartbeat.start();
  const guard = new LeaseGuard(config.leaseMs, () => heartbeat.silentMs(), (cause) => host.stopAll(cause), log);
  guard.start();
  const stopSweeping = startLogDirSweeper({ dir: config.logDir, retentionMs: config.logDirRetentionMs, held: (taskId) => host.running.get(taskId) !== undefined, logger: log });

  const take = takeDispatch({
    nodeId: config.nodeId,
    claim: (d) => claimAttempt(infra.tasks, infra.claims, (t, a) => records.claimHolder(t, a), d, config.nodeId, (t) => fitsNode(t, d.attempt, config, host.running.heldGpus())),
    report: (e) => report(e, pulling.signal),
    runningHere: (taskId) => host.running.get(taskId)?.attempt,
    launch: (task, attempt) => host.launch(task, attempt),
    logger: log,
    stopping: pulling.signal,
  });
  const gate = new DockerGate(runtime, log);
  const loops = [pullLoop({ js, consumer: nodeConsumer(config.nodeId), slots, take, logger: log, signal: pulling.signal, ready: (s) => gate.wait(s), oneAtATime: config.gpus > 0 })];
  state.drain = async (deadlineMs) => {
    state.draining = true;
    pulling.abort();
    await Promise.all(loops);
    await heartbeat.beat();
    const timer = deadlineMs > 0 ? setTimeout(() => host.stopAll({ kind: "drain" }), deadlineMs) : undefined;
    await host.settled();
    clearTimeout(timer);
  };

  const server = await startGrpcServer({
    address: config.grpcAddr,
    routes: agentRoutes(state),
    services: [AgentService.typeName],
    files: [file_trainyard_v1_agent],
    logger: log,
    metrics: metrics.registry,
    interceptors: [authInterceptor(auth)],
    readMaxBytes: config.maxMessageBytes,
    ...(config.tls ? { tls: config.tls } : {}),
  });
  const stopReloading = auth ? onSighup(() => void auth.reload(log)) : () => {};
  const metricsServer = config.metricsAddr ? await startMetricsServer({ address: config.metricsAddr, registry: metrics.registry, logger: log }) : undefined;
  log.info({ url: server.url, metrics: metricsServer?.url, pools: config.pools, slots: config.slots, allowedHostPaths: config.allowedHostPaths, reattached }, "agent serving");

  return {
    nodeId: config.nodeId,
    url: server.url,
    port: server.port,
    metricsUrl: metricsServer?.url,
    close: once(async () => {
      stopReloading();
      stopSweeping();
      pulling.abort();
      await Promise.all(loops);
      guard.stop();
      await host.detachAll();
      heartbeat.stop();
      stopping.abort();
      await server.close();
      await metricsServer?.close();
      await nc.drain().catch(() => {});
      log.info("agent stopped");
    }),
  };
}

function nodeRecord(s: AgentState): NodeRecord {
  return {
    id: s.config.nodeId,
    pools: s.config.pools,
    slots: s.config.slots,
    gpus: s.config.gpus,
    cpus: s.config.cpus,
    memoryBytes: s.config.memoryBytes,
    gpuDevices: s.gpuDevices,
    labels: s.config.labels,
    networkModes: s.config.networkModes,
    leaseMs: s.config.leaseMs,
    startTime: s.startTime,
    heartbeatTime: Date.now(),
    draining: s.draining,
    running: s.host.running.active().map((a) => ({ taskId: a.taskId, attempt: a.attempt, ...(a.containerId ? { containerId: a.containerId } : {}) })),
  };
}
