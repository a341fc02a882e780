/**
 * What the agent does with one delivery of a dispatch message. Pure; intake/take-dispatch.ts
 * applies the action (nats.js's named decisions: ack, nak with a delay, term).
 *
 *   delivery ─┬─ agent stopping ───────────────────────────▶ nak at once (another agent takes it)
 *             ├─ body does not parse ──────────────────────▶ term
 *             └─ claim ─┬─ devices busy here, < 30 deliveries ▶ nak 1 s (an attempt that just ended frees them)
 *                       ├─ devices busy here, 30 deliveries ▶ ack (the scheduler finds it untaken, places it again)
 *                       ├─ record gone, < 5 deliveries ────▶ nak 2 s (a read may lag the write)
 *                       ├─ not wanted / taken / gone ──────▶ ack (dropped)
 *                       ├─ ours already and running here ──▶ ack (a redelivery)
 *                       └─ claimed ────────────────────────▶ run: report claimed, ack, launch
 *
 * Called first without a claim (answer "claim" means: claim the attempt, then ask again).
 */
import type { DispatchMessage, TaskRecord } from "@trainyard/common";

export type ClaimResult =
  | { claimed: true; task: TaskRecord; again: boolean }
  | { claimed: false; why: "gone" | "not-wanted" | "taken" | "does-not-fit" };

export interface Delivery {
  /** The parsed body; null when it does not parse. */
  message: DispatchMessage | null;
  /** How often JetStream has delivered this message (1 the first time). */
  deliveryCount: number;
  /** The agent stopped pulling while this message was on its way. */
  stopping: boolean;
}

export type DispatchAction =
  | { do: "claim"; message: DispatchMessage }
  | { do: "run"; task: TaskRecord; attempt: number }
  | { do: "ack"; why: "not-wanted" | "taken" | "gone" | "running-here" | "does-not-fit" }
  | { do: "nak"; delayMs: number; why: "stopping" | "does-not-fit" | "gone-maybe-lagging" }
  | { do: "term"; why: "unparsable" };

/** A record not found this many times in a row is taken as really gone. */
export const GONE_AFTER_DELIVERIES = 5;
export const DOES_NOT_FIT_DELAY_MS = 1_000;
/** Deliveries of an attempt this node cannot fit before it is left to the scheduler's verifier. */
export const DOES_NOT_FIT_DELIVERIES = 30;
export const LAGGING_READ_DELAY_MS = 2_000;

/** Every action but "claim": what is left once the attempt was claimed. */
export type FinalDispatchAction = Exclude<DispatchAction, { do: "claim" }>;

/**
 * @param claim the claim's result, once claimed
 * @param runningHere the attempt of this task this agent runs now, if any
 */
export function dispatchDecision(d: Delivery): DispatchAction;
export function dispatchDecision(d: Delivery, claim: ClaimResult, runningHere?: number): FinalDispatchAction;
export function dispatchDecision(d: Delivery, claim?: ClaimResult, runningHere?: number): DispatchAction {
  if (d.stopping) return { do: "nak", delayMs: 0, why: "stopping" };
  if (!d.message) return { do: "term", why: "unparsable" };
  if (!claim) return { do: "claim", message: d.message };
  if (!claim.claimed) {
    if (claim.why === "does-not-fit" && d.deliveryCount < DOES_NOT_FIT_DELIVERIES) return { do: "nak", delayMs: DOES_NOT_FIT_DELAY_MS, why: "does-not-fit" };
    if (claim.why === "gone" && d.deliveryCount < GONE_AFTER_DELIVERIES) return { do: "nak", delayMs: LAGGING_READ_DELAY_MS, why: "gone-maybe-lagging" };
    return { do: "ack", why: claim.why };
  }
  if (claim.again && runningHere === d.message.attempt) return { do: "ack", why: "running-here" };
  return { do: "run", task: claim.task, attempt: d.message.attempt };
}

/**
 * Can this node run the attempt placed on it now? The placer chose its devices; the agent is the
 * last check (decision 0006): each must be one of this node's and held by no attempt running
 * here (a placer that lost its lease unaware may have chosen them twice), and the network mode
 * must be one this node allows.
 */
export function fitsNode(task: TaskRecord, attempt: number, node: { gpuIds?: readonly string[]; networkModes: readonly string[] }, held: ReadonlySet<string>): boolean {
  const ids = task.attempts.find((a) => a.number === attempt)?.gpuIds ?? [];
  if (ids.length < task.spec.resources.gpus) return false;
  const mine = new Set(node.gpuIds ?? []);
  if (ids.some((g) => !mine.has(g) || held.has(g))) return false;
  return node.networkModes.includes(task.spec.network ?? "none");
}
