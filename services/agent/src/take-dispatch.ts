import type { JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { DispatchMessage, Infra } from "@trainyard/common";
import type { AttemptHost } from "./attempt-host.js";
import { claimAttempt } from "./claim.js";
import type { AgentConfig } from "./config.js";
import { publishEvent } from "./events.js";
import type { JetStreamClient } from "@nats-io/jetstream";

/**
 * What the pull loop does with one dispatch message while holding a slot: claim the attempt
 * (record still wants it, claims bucket agrees), report the claim, ack, launch. Returns true
 * when the slot went to a launched attempt. Messages for work this node cannot fit are nak'ed
 * for another agent; stale ones are acked and dropped.
 */
export function takeDispatch(config: AgentConfig, js: JetStreamClient, infra: Infra, host: AttemptHost, logger: Logger, pulling: AbortSignal) {
  return async (m: JsMsg, d: DispatchMessage): Promise<boolean> => {
    const log = logger.child({ task: d.taskId, attempt: d.attempt });
    const claim = await claimAttempt(infra.tasks, infra.claims, d, config.nodeId, (t) => t.spec.resources.gpus <= config.gpus);
    if (!claim.claimed) {
      if (claim.why === "does-not-fit") {
        log.debug("task does not fit this node; leaving it to another agent");
        m.nak(10_000);
      } else if (claim.why === "gone" && m.info.deliveryCount < 5) {
        m.nak(2_000); // maybe a read that lagged the write: look again shortly
      } else {
        log.info({ why: claim.why }, "dispatch dropped");
        m.ack();
      }
      return false;
    }
    const mine = host.running.get(d.taskId);
    if (claim.again && mine && mine.attempt === d.attempt) {
      m.ack(); // a redelivery of what this agent already runs
      return false;
    }
    await publishEvent(js, { type: "claimed", taskId: d.taskId, attempt: d.attempt, nodeId: config.nodeId, time: Date.now() }, log, pulling);
    m.ack();
    log.info({ image: claim.task.spec.image }, "attempt claimed");
    host.launch(claim.task, d.attempt);
    return true;
  };
}
