/**
 * The scheduler's composition root: NATS, the task store and views, the applier, the placer
 * (while this replica holds its lease), the dispatch and lease loops, the event consumer, and
 * the gRPC server. The only place that knows which
 * implementation stands behind each role. Stateless: any number may run against one NATS.
 *
 *   starting ──▶ serving ──close()──▶ draining (RPC streams end UNAVAILABLE) ──▶ closed
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { file_trainyard_v1_scheduler, SchedulerService } from "@trainyard/client";
import { AuthFile, authInterceptor, checkpointInfo, connectNats, deleteCheckpoint, ensureInfrastructure, readCheckpoint, once, onSighup, SCHEDULER_INBOX, STREAM, whileNatsStarts } from "@trainyard/common";
import { allowedHosts, requireAuthBeyondLoopback, startGrpcServer, streamLimitInterceptor } from "@trainyard/common/grpc/index";
import { createMetricsRegistry, startMetricsServer } from "@trainyard/common/metrics/index";
import { DispatchLoop } from "./bus/dispatch-loop.js";
import { JetStreamDispatcher } from "./bus/dispatcher.js";
import { consumeEvents } from "./bus/event-consumer.js";
import { LeaseLoop } from "./bus/lease-loop.js";
import { NodeConsumers } from "./bus/node-consumers.js";
import { Placer } from "./bus/placer.js";
import { PlacerLease } from "./bus/placer-lease.js";
import { CheckpointSweep } from "./bus/checkpoint-sweep.js";
import { DependencyLoop } from "./bus/dependency-loop.js";
import { RetentionLoop } from "./bus/retention-loop.js";
import { JetStreamSystemLog } from "./bus/system-log.js";
import type { SchedulerConfig } from "./config.js";
import { taskId } from "./core/ids.js";
import { nodeLost } from "./core/leases.js";
import type { SchedulerDeps } from "./deps.js";
import { lastFrameSeq } from "./logs/frames.js";
import { JetStreamLogReader } from "./logs/log-reader.js";
import { SharedFollows } from "./logs/shared-follow.js";
import { SchedulerMetrics } from "./metrics.js";
import { schedulerRoutes } from "./routes.js";
import { uiPages } from "./ui/pages.js";
import { createApplier } from "./store/applier.js";
import { claimHolder } from "./store/claims.js";
import { KvIdempotencyKeys } from "./store/idempotency.js";
import { JetStreamPurger } from "./store/purge.js";
import { KvDrains } from "./store/drains.js";
import { feedDrains, feedNodeView, feedTaskView } from "./store/kv-mirror.js";
import { NodeView } from "./store/node-view.js";
import { QueuePositions } from "./store/queue-positions.js";
import { KvTaskStore } from "./store/task-store.js";
import { TaskView } from "./store/task-view.js";
import { tasksSpace } from "./store/tasks-space.js";

export interface Scheduler {
  url: string;
  /** Base URL of the HTTP/1.1 port (Connect, gRPC-Web); undefined when TRAINYARD_HTTP_ADDR is empty. */
  httpUrl: string | undefined;
  port: number;
  /** The /metrics URL ("http://127.0.0.1:9464/metrics"); undefined when metrics are off. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

export async function startScheduler(config: SchedulerConfig, logger: Logger): Promise<Scheduler> {
  requireAuthBeyondLoopback([config.grpcAddr, config.httpAddr], { auth: config.authFile !== "", insecure: config.insecure });
  const auth = config.authFile ? await AuthFile.load(config.authFile) : undefined;
  const nc = await connectNats(config.nats, SCHEDULER_INBOX, "trainyard-scheduler", logger);
  const { infra, jsm } = await whileNatsStarts(
    "setting up streams and buckets",
    async () => ({ infra: await ensureInfrastructure(nc, config.infra), jsm: await jetstreamManager(nc) }),
    logger,
  );
  const js = jetstream(nc);
  const logsCap = (await jsm.streams.info(STREAM.logs)).config.max_bytes;
  logger.info({ maxBytes: logsCap }, logsCap > 0 ? "LOGS stream capped: the oldest frames go first past it" : "LOGS stream not capped (TRAINYARD_LOG_MAX_BYTES=-1)");
  const tasksCap = config.tasksMaxBytes;
  logger.info({ maxBytes: tasksCap }, tasksCap > 0 ? "task records bounded: near it finished tasks go early, past 90% Submit is refused" : "task records not bounded (TRAINYARD_TASKS_MAX_BYTES=0)");
  const holder = claimHolder(infra.claims, jsm);
  const view = new TaskView();
  const metrics = new SchedulerMetrics(createMetricsRegistry(), () => view.countByState());
  const store = new KvTaskStore(infra.tasks, (before, after) => metrics.stored(before, after));
  const applier = createApplier({ store, systemLog: new JetStreamSystemLog(js), view });
  const taskFeed = await whileNatsStarts("watching the tasks bucket", () => feedTaskView(infra.tasks, view, logger), logger);
  const clock = () => Date.now();
  const consumers = new NodeConsumers(nc, logger);
  let placer: Placer | undefined;
  const nodes = new NodeView(
    (record) => consumers.ensure(record.id),
    () => placer?.wake(),
  );
  const quotas = () => auth?.current.namespaces ?? {};
  const space = tasksSpace(jsm, config.tasksMaxBytes, clock);
  const deps: SchedulerDeps = {
    store,
    applier,
    view,
    logs: new SharedFollows(new JetStreamLogReader(js, jsm, store, holder), (id) => lastFrameSeq(jsm, id)),
    idempotency: new KvIdempotencyKeys(infra.idempotency),
    resources: config.resources,
    clock,
    newId: () => taskId(clock(), randomBytes(12)),
    logger,
    metrics,
    nodes,
    drains: new KvDrains(infra.drains),
    quotas,
    positions: new QueuePositions(view, clock),
    tasksSpace: space,
    checkpoints: { read: (name, digest) => readCheckpoint(jsm, name, digest) },
    authEnabled: auth !== undefined,
  };

  const nodeFeed = await whileNatsStarts("watching the nodes bucket", () => feedNodeView(infra.nodes, nodes, logger), logger);
  const drainFeed = await whileNatsStarts("watching the drains bucket", () => feedDrains(infra.drains, nodes, logger), logger);
  const lease = new PlacerLease({ kv: infra.leases, holder: `${hostname()}:${process.pid}`, logger, onChange: () => placer?.wake() });
  placer = new Placer({ view, held: () => lease.held, nodes: (now) => nodes.states(now), quotas, applier, clock, logger, claimHolder: holder });
  const retention = new RetentionLoop({
    view,
    purger: new JetStreamPurger(jsm, infra.tasks, infra.idempotency),
    retentionMs: config.taskRetentionMs,
    active: () => lease.held !== null,
    clock,
    logger,
    usage: () => space.usage(),
  });
  const checkpointSweep = new CheckpointSweep({ jsm, store, active: () => lease.held !== null, clock, logger, everyMs: config.checkpointSweepMs });
  const dependencies = new DependencyLoop({ view, applier, active: () => lease.held !== null, clock, logger });
  const stopping = new AbortController();
  const loop = new DispatchLoop({
    view,
    applier,
    dispatcher: new JetStreamDispatcher(js, jsm),
    claimHolder: holder,
    nodeLost: (nodeId, since, now) => nodeLost(nodeId, nodes.get(nodeId)?.liveness, since, now, config.defaultLeaseMs),
    clock,
    logger,
    verifyEveryMs: config.dispatchVerifyMs,
  });
  const leases = new LeaseLoop({ tasks: view, nodes, applier, clock, defaultLeaseMs: config.defaultLeaseMs, logger });
  void (async () => {
    for await (const s of nc.status()) if (s.type === "reconnect") leases.holdOff();
  })();
  void Promise.all([view.ready, nodes.ready, nodes.drainsReady]).then(() => {
    placer!.start();
    lease.start();
    retention.start();
    checkpointSweep.start();
    dependencies.start();
  });
  void Promise.all([view.ready, nodes.ready]).then(() => {
    loop.start();
    // A replica that just started may have been down with NATS: judge no one for a lease.
    leases.holdOff();
    leases.start();
  });
  const consumer = consumeEvents({ js, applier, claimHolder: holder, deleteCheckpoint: (name) => deleteCheckpoint(jsm, name),
    checkpointExists: async (name) => (await checkpointInfo(jsm, name)) !== null,
    clock, logger, signal: stopping.signal });

  const server = await startGrpcServer({
    address: config.grpcAddr,
    routes: schedulerRoutes(deps),
    services: [SchedulerService.typeName],
    files: [file_trainyard_v1_scheduler],
    logger,
    metrics: metrics.registry,
    interceptors: [authInterceptor(auth), streamLimitInterceptor(config.maxStreamsPerPrincipal)],
    readMaxBytes: config.maxMessageBytes,
    compressMinBytes: config.compressMinBytes,
    ...(config.tls ? { tls: config.tls } : {}),
    ...(config.httpAddr
      ? {
          http1Address: config.httpAddr,
          corsOrigins: config.corsOrigins,
          allowedHosts: allowedHosts(config.httpAddr, config.allowedHosts),
          // From src/ (tests) or dist/ alike: the package's dist/ui/app, where npm run build puts the dashboard.
          http1Pages: uiPages(fileURLToPath(new URL("../dist/ui/app/", import.meta.url))),
        }
      : {}),
  });
  const stopReloading = auth ? onSighup(() => void auth.reload(logger).then(() => placer?.wake())) : () => {};
  const metricsServer = config.metricsAddr ? await startMetricsServer({ address: config.metricsAddr, registry: metrics.registry, logger }) : undefined;
  logger.info({ url: server.url, httpUrl: server.httpUrl, metrics: metricsServer?.url, auth: auth ? auth.path : "off" }, "scheduler serving");

  return {
    url: server.url,
    httpUrl: server.httpUrl,
    port: server.port,
    metricsUrl: metricsServer?.url,
    close: once(async () => {
      stopReloading();
      await server.close();
      await metricsServer?.close();
      stopping.abort();
      loop.stop();
      placer!.stop();
      retention.stop();
      checkpointSweep.stop();
      dependencies.stop();
      await lease.stop();
      leases.stop();
      drainFeed.stop();
      nodeFeed.stop();
      taskFeed.stop();
      await consumer;
      await nc.drain().catch(() => {});
      logger.info("scheduler stopped");
    }),
  };
}
