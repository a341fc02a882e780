/**
 * What the agent reads back from NATS about the attempts it holds: the scheduler's task record
 * (read-only here: only the scheduler writes it), the claims bucket, and where an attempt's
 * published log ends. An interface, so the runner and recovery can be tested in memory.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import {
  agentPosition,
  attemptLogSubject,
  claimKey,
  STREAM,
  type Infra,
  type TaskRecord,
} from "@trainyard/common";

/** Where an attempt's published log stands: its last frame number and the engine stamp to resume after. */
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
   * `onError` is told if the watch ends by itself.
   */
  watch(taskId: string, onRecord: (task: TaskRecord | null) => void, onError: (err: unknown) => void): Promise<{ stop(): void }>;
}

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

  async claimHolder(taskId: string, attempt: number): Promise<string | null> {
    const e = await this.infra.claims.get(claimKey(taskId, attempt));
    return e?.operation === "PUT" ? e.string() : null;
  }

  async logPosition(taskId: string, attempt: number): Promise<LogPosition> {
    const last = await this.jsm.streams.getMessage(STREAM.logs, { last_by_subj: attemptLogSubject(taskId, attempt, this.nodeId) });
    return last ? agentPosition(last.header) : { frame: 0 };
  }

  async watch(taskId: string, onRecord: (task: TaskRecord | null) => void, onError: (err: unknown) => void): Promise<{ stop(): void }> {
    const w = await this.infra.tasks.watch({ key: taskId });
    void (async () => {
      for await (const e of w) onRecord(e.operation === "PUT" ? e.json<TaskRecord>() : null);
    })().catch(onError);
    return { stop: () => w.stop() };
  }
}
