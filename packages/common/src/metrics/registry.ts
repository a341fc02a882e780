import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * A fresh registry for one service instance. Every Trainyard series is registered here, never
 * on prom-client's global default registry, so several schedulers and agents can run in one
 * process (the tests do) without clashing. `processMetrics` adds prom-client's default process
 * and Node.js series (CPU, memory, event loop lag, GC) to this registry; they describe the
 * whole process, so a process running several instances reports them once per instance.
 */
export function createMetricsRegistry(opts: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

export type { Registry };
