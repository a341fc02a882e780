/**
 * What the pull loop does with one delivered dispatch message while it holds a slot: ask
 * core/dispatch-decision.ts, claim when told to, and apply the answer (ack, nak, term; or report
 * the claim, ack and launch the attempt). Returns true when the slot went to a launched attempt.
 */
import type { Logger } from "pino";
import { parseDispatch, type AgentEvent, type DispatchMessage, type TaskRecord } from "@trainyard/common";
import { attemptGpus } from "../core/container-spec.js";
import { dispatchDecision, type ClaimResult, type FinalDispatchAction } from "../core/dispatch-decision.js";

/** The part of a JetStream message this needs (nats.js JsMsg has it). */
export interface DispatchDelivery {
  readonly seq: number;
  readonly info: { readonly deliveryCount: number };
  json<T>(): T;
  ack(): void;
  nak(delayMs?: number): void;
  term(): void;
}

export interface TakeDispatchOptions {
  nodeId: string;
  claim: (d: DispatchMessage) => Promise<ClaimResult>;
  /** Reports to the scheduler; resolves once stored (gives up when the agent stops pulling). */
  report: (e: AgentEvent) => Promise<void>;
  /** The attempt of this task the agent runs now, if any. */
  runningHere: (taskId: string) => number | undefined;
  launch: (task: TaskRecord, attempt: number) => void;
  logger: Logger;
  /** Aborted when the agent stops pulling. */
  stopping: AbortSignal;
}

export function takeDispatch(o: TakeDispatchOptions) {
  /** Attempts ("<task>:<attempt>") a take is claiming and launching now: the pull loop takes several at once. */
  const taking = new Set<string>();
  return async (m: DispatchDelivery): Promise<boolean> => {
    const delivery = { message: parseDispatch(safeJson(m)), deliveryCount: m.info.deliveryCount, stopping: o.stopping.aborted };
    const first = dispatchDecision(delivery);
    if (first.do !== "claim") return act(m, first, delivery.message);
    const key = `${first.message.taskId}:${first.message.attempt}`;
    if (taking.has(key)) {
      // Another delivery of it is being claimed here: once that one launched, runningHere answers.
      m.nak(TAKING_RETRY_MS);
      return false;
    }
    taking.add(key);
    try {
      return await act(m, dispatchDecision(delivery, await o.claim(first.message), o.runningHere(first.message.taskId)), delivery.message);
    } finally {
      taking.delete(key);
    }
  };

  async function act(m: DispatchDelivery, action: FinalDispatchAction, d: DispatchMessage | null): Promise<boolean> {
    const log = d ? o.logger.child({ task: d.taskId, attempt: d.attempt }) : o.logger;
    switch (action.do) {
      case "term":
        log.error({ seq: m.seq }, "dropping a dispatch message that does not parse");
        m.term();
        return false;
      case "nak":
        if (action.why === "does-not-fit") log.debug("task does not fit this node; leaving it to another agent");
        m.nak(action.delayMs || undefined);
        return false;
      case "ack":
        if (action.why !== "running-here") log.info({ why: action.why }, "dispatch dropped");
        m.ack();
        return false;
      case "run":
        await o.report({ type: "claimed", taskId: action.task.id, attempt: action.attempt, nodeId: o.nodeId, time: Date.now(), gpuIds: attemptGpus(action.task, action.attempt) });
        m.ack();
        log.info({ image: action.task.spec.image }, "attempt claimed");
        o.launch(action.task, action.attempt);
        return true;
    }
  }
}

/** When a delivery of an attempt already being claimed here comes back. */
const TAKING_RETRY_MS = 1_000;

function safeJson(m: DispatchDelivery): unknown {
  try {
    return m.json();
  } catch {
    return null;
  }
}
