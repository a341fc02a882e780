/**
 * What the agent reads back from NATS about the attempts it holds: the scheduler's task record
 * (read-only here: only the scheduler writes it), the claims bucket, and where an attempt's
 * published log ends. An interface, so the runner and recovery can be tested in memory.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import {
  agentPosition,
  sleep,
  attemptLogSubject,
  claimHolder,
  STREAM,
  type Infra,
  type TaskRecord,
} from "@trainyard/common";

/** Where an attempt's published log stands: its last frame number and the position to resume after (core/log-position.ts). */
export interface LogPosition {
  frame: number;
  resume?: string;
}

export interface AttemptRecords {
  /** The task's record; null when there is none. */
  task(id: string): Promise<TaskRecord | null>;
  /** The node that claimed the attempt; null when nobody did. */
  claimHolder(taskId: string, attempt: number): Promise<string | null>;
  /** Where the attempt's published log ends ({ frame: 0 } when nothing was published). */
  logPosition(taskId: string, attempt: number): Promise<LogPosition>;
  /**
   * Calls `onRecord` with the record now and at every change (null once deleted) until stop().
   * `onError` is told when reading it fails.
   */
  watch(taskId: string, onRecord: (task: TaskRecord | null) => void, onError: (err: unknown) => void): Promise<{ stop(): void }>;
}

/** How often a running attempt's record is read again (a cancel is seen within this). */
export const WATCH_POLL_MS = 1_000;

export class NatsAttemptRecords implements AttemptRecords {
  constructor(
    private readonly infra: Infra,
    private readonly jsm: JetStreamManager,
    /** This agent: only its own frames tell where its log ends. */
    private readonly nodeId: string,
  ) {}

  async task(id: string): Promise<TaskRecord | null> {
    const e = await this.infra.tasks.get(id);
    return e?.operation === "PUT" ? e.json<TaskRecord>() : null;
  }

  claimHolder(taskId: string, attempt: number): Promise<string | null> {
    return claimHolder(this.infra.claims, this.jsm, taskId, attempt);
  }

  async logPosition(taskId: string, attempt: number): Promise<LogPosition> {
    const last = await this.jsm.streams.getMessage(STREAM.logs, { last_by_subj: attemptLogSubject(taskId, attempt, this.nodeId) });
    return last ? agentPosition(last.header) : { frame: 0 };
  }

  /**
   * Polls the record (WATCH_POLL_MS): an agent's NATS user may not create consumers, so no KV
   * watch. A failed read is retried at the next poll; `onError` hears of the first of a run.
   */
  async watch(taskId: string, onRecord: (task: TaskRecord | null) => void, onError: (err: unknown) => void): Promise<{ stop(): void }> {
    let last: number | null | undefined;
    const poll = async () => {
      const e = await this.infra.tasks.get(taskId);
      const revision = e?.operation === "PUT" ? e.revision : null;
      if (revision === last) return;
      last = revision;
      onRecord(revision === null ? null : e!.json<TaskRecord>());
    };
    await poll();
    const stopping = new AbortController();
    void (async () => {
      let failing = false;
      while (!stopping.signal.aborted) {
        await sleep(WATCH_POLL_MS, stopping.signal).catch(() => {});
        if (stopping.signal.aborted) break;
        try {
          await poll();
          failing = false;
        } catch (err) {
          if (!failing) onError(err);
          failing = true;
        }
      }
    })();
    return { stop: () => stopping.abort() };
  }

}
