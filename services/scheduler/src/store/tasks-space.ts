/**
 * How much the task records take against TRAINYARD_TASKS_MAX_BYTES: the tasks bucket's size,
 * read from JetStream at most once a second however often it is asked (Submit asks on every
 * call), plus the tasks this replica created since, at the average record size, so that a burst
 * of submits between two readings is counted (at FIRST_RECORD_BYTES each while the bucket was
 * empty at the last reading). undefined while it cannot be read.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import { BUCKET } from "@trainyard/common";
import type { BucketUsage } from "../core/retention.js";

const FRESH_MS = 1_000;
/** What a record created since the last reading counts when the bucket held none to average. */
const FIRST_RECORD_BYTES = 2_048;

export interface TasksSpace {
  usage(): Promise<BucketUsage | undefined>;
  /** A task record was created (counted until the next reading). */
  created(): void;
}

export function tasksSpace(jsm: JetStreamManager, maxBytes: number, clock: () => number = Date.now): TasksSpace {
  let last: { at: number; reading: Promise<{ bytes: number; records: number } | undefined> } | undefined;
  let createdSince = 0;
  return {
    async usage() {
      if (maxBytes <= 0) return undefined;
      const now = clock();
      if (!last || now - last.at >= FRESH_MS) {
        createdSince = 0;
        const reading = jsm.streams.info(`KV_${BUCKET.tasks}`).then(
          ({ state }) => ({ bytes: state.bytes, records: state.messages }),
          () => undefined,
        );
        last = { at: now, reading };
      }
      const r = await last.reading;
      if (!r) return undefined;
      const average = r.records ? r.bytes / r.records : FIRST_RECORD_BYTES;
      return { bytes: r.bytes + createdSince * average, maxBytes, records: r.records + createdSince };
    },
    created() {
      createdSince++;
    },
  };
}
