/**
 * A small SchedulerService on the kit, shared by the gRPC kit tests. Only Get and Watch exist:
 *   Get("t-1") → the task; Get("big") → a task with an 8 KiB message; Get("") → InvalidArgumentError(task_id); Get("boom") → a plain Error
 *   carrying a secret; anything else → NotFoundError.
 *   Watch → one message, then waits (via abortableIterable) until the RPC's signal aborts;
 *     Watch("boom") and Watch("nats") fail after the first message (plain Error / NATS closed).
 *   StreamLogs → one message, then hangs ignoring every signal (a misbehaving handler).
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { errors as nats } from "@nats-io/transport-node";
import { pino, type Logger } from "pino";
import { SchedulerService, file_trainyard_v1_scheduler } from "@trainyard/client";
import { InvalidArgumentError, NotFoundError } from "../../src/errors.js";
import { abortableIterable, startGrpcServer, type GrpcServer, type TlsOptions } from "../../src/grpc/index.js";

export const SECRET = "secret-db-password-in-message";

export function schedulerRoutes(router: ConnectRouter): void {
  router.service(SchedulerService, {
    async get(req) {
      if (req.taskId === "") throw new InvalidArgumentError("task_id", "must not be empty");
      if (req.taskId === "boom") throw new Error(`connection to postgres://${SECRET} failed`);
      if (req.taskId === "t-1") return { task: { id: "t-1" } };
      if (req.taskId === "big") return { task: { id: "big", message: "x".repeat(8192) } };
      throw new NotFoundError("task", req.taskId);
    },
    async *watch(req, ctx) {
      yield { task: { id: req.taskId || "t-1" } };
      if (req.taskId === "boom") throw new Error(`stream broke: ${SECRET}`);
      if (req.taskId === "nats") throw new nats.ClosedConnectionError();
      for await (const task of abortableIterable(forever<{ id: string }>(), ctx.signal)) yield { task };
    },
    async *streamLogs() {
      yield { frames: [] };
      await new Promise(() => {});
    },
  });
}

/** An iterable that never produces: like a NATS subscription with no traffic. */
async function* forever<T>(): AsyncGenerator<T> {
  await new Promise(() => {});
}

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A debug-level pino logger that records parsed lines in memory. */
export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

export async function startSchedulerFixture(logger: Logger = memoryLogger().logger, tls?: TlsOptions): Promise<GrpcServer> {
  return startGrpcServer({
    ...(tls && { tls }),
    address: "127.0.0.1:0",
    http1Address: "127.0.0.1:0",
    corsOrigins: ["http://app.example"],
    routes: schedulerRoutes,
    services: [SchedulerService.typeName],
    files: [file_trainyard_v1_scheduler],
    logger,
  });
}
