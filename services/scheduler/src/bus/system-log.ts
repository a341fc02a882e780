/**
 * The scheduler's SYSTEM lines (Trainyard's own words about a task) on the LOGS stream, subject
 * trainyard.logs.<task>.s. A line may be published twice for the same decision (a retried
 * compare-and-set): its message id is derived from the task, attempt and text, so JetStream
 * stores it once and returns the same seq.
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import { createHash } from "node:crypto";
import { frameHeaders, schedulerLogSubject } from "@trainyard/common";
import type { SystemLog } from "../store/applier.js";

export class JetStreamSystemLog implements SystemLog {
  constructor(private readonly js: JetStreamClient) {}

  async line(taskId: string, attempt: number, text: string, timeMs: number, fence: boolean): Promise<number> {
    const id = createHash("sha256").update(`${taskId}\0${attempt}\0${text}`).digest("base64url").slice(0, 22);
    const ack = await this.js.publish(schedulerLogSubject(taskId), `${text}\n`, {
      headers: frameHeaders(attempt, "system", timeMs, undefined, fence),
      msgID: `${taskId}:${attempt}:sys:${id}`,
    });
    return ack.seq;
  }
}
