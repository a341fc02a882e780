/**
 * grpc.health.v1.Health (Check, Watch, List) over an in-memory status table, per
 * grpc/grpc doc/health-checking.md: "" is the whole server; Check of an unknown service fails
 * NOT_FOUND; Watch of an unknown service streams SERVICE_UNKNOWN and keeps watching.
 *
 * States per service: SERVING ⇄ NOT_SERVING via set(); shutdown() moves every entry to
 * NOT_SERVING for good (later set(…, true) calls are ignored). Called by the server kit;
 * services flip their own entry with GrpcServer.health.set().
 *
 * Watch streams end by throwing ctx.signal.reason (UNAVAILABLE on server shutdown), after every
 * status change queued before the abort has been sent, so watchers see NOT_SERVING first.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "@trainyard/client/gen/grpc/health/v1/health_pb";

export interface HealthStatus {
  /** Set one service's status; unknown names are added. No-op (NOT_SERVING) after shutdown(). */
  set(service: string, serving: boolean): void;
}

type Listener = (service: string, status: Status) => void;

export class HealthRegistry implements HealthStatus {
  readonly #statuses = new Map<string, Status>();
  readonly #listeners = new Set<Listener>();
  #shutDown = false;

  constructor(services: Iterable<string>) {
    for (const s of ["", ...services]) this.#statuses.set(s, Status.SERVING);
  }

  set(service: string, serving: boolean): void {
    const status = serving && !this.#shutDown ? Status.SERVING : Status.NOT_SERVING;
    if (this.#statuses.get(service) === status) return;
    this.#statuses.set(service, status);
    for (const l of this.#listeners) l(service, status);
  }

  /** Everything NOT_SERVING, permanently. Idempotent. */
  shutdown(): void {
    this.#shutDown = true;
    for (const s of [...this.#statuses.keys()]) this.set(s, false);
  }

  get(service: string): Status | undefined {
    return this.#statuses.get(service);
  }

  all(): ReadonlyMap<string, Status> {
    return this.#statuses;
  }

  /** Register a change listener; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export function healthRoutes(registry: HealthRegistry) {
  return (router: ConnectRouter) =>
    router.service(Health, {
      check(req) {
        const status = registry.get(req.service);
        if (status === undefined) throw new ConnectError(`unknown service ${JSON.stringify(req.service)}`, Code.NotFound);
        return { status };
      },

      list() {
        const statuses: Record<string, { status: Status }> = {};
        for (const [service, status] of registry.all()) statuses[service] = { status };
        return { statuses };
      },

      async *watch(req, ctx) {
        const pending: Status[] = [];
        let wake = () => {};
        const unsubscribe = registry.subscribe((service, status) => {
          if (service !== req.service) return;
          pending.push(status);
          wake();
        });
        const onAbort = () => wake();
        ctx.signal.addEventListener("abort", onAbort);
        try {
          let last = registry.get(req.service) ?? Status.SERVICE_UNKNOWN;
          yield { status: last };
          for (;;) {
            const next = pending.shift();
            if (next !== undefined) {
              if (next !== last) yield { status: (last = next) };
              continue;
            }
            ctx.signal.throwIfAborted();
            await new Promise<void>((resolve) => (wake = resolve));
          }
        } finally {
          unsubscribe();
          ctx.signal.removeEventListener("abort", onAbort);
        }
      },
    });
}
