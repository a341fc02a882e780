/**
 * Self-fencing, the decision. The scheduler declares a node lost once no heartbeat of it was
 * stored for a lease, and dispatches its attempts again. Measured from when the last
 * *acknowledged* heartbeat was sent (no later than the server stored it), an agent that cannot
 * reach NATS stops its containers after FENCE_AT of the lease, giving each STOP_GRACE of the
 * lease before SIGKILL: they are gone before anyone else may start the attempt's successor.
 * Pure; liveness/lease-guard.ts applies it.
 */
import type { StopCause } from "./classify.js";

export const FENCE_AT = 0.6;
export const STOP_GRACE = 0.2;

/** The stop to apply when `silentMs` have passed since the last acknowledged heartbeat was sent, or null. */
export function selfFence(silentMs: number, leaseMs: number): Extract<StopCause, { kind: "isolated" }> | null {
  if (silentMs <= leaseMs * FENCE_AT) return null;
  return { kind: "isolated", silentMs, leaseMs, graceMs: Math.round(leaseMs * STOP_GRACE) };
}

/** How often the guard looks: a twentieth of the lease, between 50 ms and 1 s. */
export function checkEveryMs(leaseMs: number): number {
  return Math.max(50, Math.min(1_000, leaseMs / 20));
}
