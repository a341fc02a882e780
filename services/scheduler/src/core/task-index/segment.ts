/**
 * An immutable, id-sorted run of task summaries in typed arrays (about 40 bytes a task): the
 * bulk of a TaskIndex. Namespaces and label sets are stored once per segment and referred to by
 * number, so a million tasks of a few teams cost a few distinct strings.
 */
import type { TaskState } from "@trainyard/common";
import { TASK_STATES as STATES } from "../observe.js";
import { compareParts, decodeId, type IdParts } from "./id-codec.js";

/** What a scheduler keeps in memory of a task it does not hold whole: enough to list and expire it. */
export interface TaskSummary {
  id: string;
  namespace: string;
  state: TaskState;
  labels: Readonly<Record<string, string>>;
  /** When it ended (final states) or was created (others), epoch ms. */
  at: number;
  revision: number;
}

export const STATE_CODE: Readonly<Record<TaskState, number>> = { PENDING: 0, RUNNING: 1, SUCCEEDED: 2, FAILED: 3, CANCELLED: 4 };
const STATE_BITS = 3;
const STATE_MASK = (1 << STATE_BITS) - 1;

export class Segment {
  constructor(
    readonly length: number,
    readonly time: Float64Array,
    readonly hi: Uint32Array,
    readonly lo: Uint32Array,
    /** namespace index << 3 | state code */
    readonly meta: Uint32Array,
    readonly labelIdx: Uint32Array,
    readonly at: Float64Array,
    readonly revision: Float64Array,
    readonly namespaces: readonly string[],
    readonly labelSets: readonly Readonly<Record<string, string>>[],
  ) {}

  stateCode(i: number): number {
    return this.meta[i]! & STATE_MASK;
  }

  nsIndex(i: number): number {
    return this.meta[i]! >>> STATE_BITS;
  }

  idAt(i: number): string {
    return decodeId(this.time[i]!, this.hi[i]!, this.lo[i]!);
  }

  summaryAt(i: number): TaskSummary {
    return {
      id: this.idAt(i),
      namespace: this.namespaces[this.nsIndex(i)]!,
      state: STATES[this.stateCode(i)]!,
      labels: this.labelSets[this.labelIdx[i]!]!,
      at: this.at[i]!,
      revision: this.revision[i]!,
    };
  }

  /** The first index whose id is not before `p` (length if none). */
  lowerBound(p: IdParts): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareParts(this.time[mid]!, this.hi[mid]!, this.lo[mid]!, p) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of `p`, -1 when absent. */
  find(p: IdParts): number {
    const i = this.lowerBound(p);
    return i < this.length && compareParts(this.time[i]!, this.hi[i]!, this.lo[i]!, p) === 0 ? i : -1;
  }
}

/** Builds a segment entry by entry, in id order. */
export class SegmentBuilder {
  private n = 0;
  private readonly time: Float64Array;
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly meta: Uint32Array;
  private readonly labelIdx: Uint32Array;
  private readonly at: Float64Array;
  private readonly revision: Float64Array;
  private readonly namespaces: string[] = [];
  private readonly nsByName = new Map<string, number>();
  private readonly labelSets: Readonly<Record<string, string>>[] = [];
  private readonly labelsByKey = new Map<string, number>();
  /** The source segment's namespace / label-set index → ours (-1: not yet seen). A merge copies from one segment. */
  private remap?: { from: Segment; ns: Int32Array; labels: Int32Array };

  constructor(capacity: number) {
    this.time = new Float64Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.meta = new Uint32Array(capacity);
    this.labelIdx = new Uint32Array(capacity);
    this.at = new Float64Array(capacity);
    this.revision = new Float64Array(capacity);
  }

  /** Copies entries [start, end) of `from`. */
  copyRange(from: Segment, start: number, end: number): void {
    if (this.remap?.from !== from) {
      this.remap = { from, ns: new Int32Array(from.namespaces.length).fill(-1), labels: new Int32Array(from.labelSets.length).fill(-1) };
    }
    const { ns, labels } = this.remap;
    for (let i = start; i < end; i++) {
      const nsFrom = from.meta[i]! >>> STATE_BITS;
      if (ns[nsFrom]! < 0) ns[nsFrom] = this.namespace(from.namespaces[nsFrom]!);
      const lFrom = from.labelIdx[i]!;
      if (labels[lFrom]! < 0) labels[lFrom] = this.labelSet(from.labelSets[lFrom]!);
      this.put(from.time[i]!, from.hi[i]!, from.lo[i]!, from.meta[i]! & STATE_MASK, ns[nsFrom]!, labels[lFrom]!, from.at[i]!, from.revision[i]!);
    }
  }

  add(p: IdParts, s: TaskSummary): void {
    this.put(p.time, p.hi, p.lo, STATE_CODE[s.state], this.namespace(s.namespace), this.labelSet(s.labels), s.at, s.revision);
  }

  build(): Segment {
    const n = this.n;
    const fit = <T extends Float64Array | Uint32Array>(a: T): T => (a.length === n ? a : (a.slice(0, n) as T));
    return new Segment(
      n,
      fit(this.time),
      fit(this.hi),
      fit(this.lo),
      fit(this.meta),
      fit(this.labelIdx),
      fit(this.at),
      fit(this.revision),
      this.namespaces,
      this.labelSets,
    );
  }

  private put(time: number, hi: number, lo: number, state: number, ns: number, labels: number, at: number, revision: number): void {
    const i = this.n++;
    this.time[i] = time;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.meta[i] = (ns << STATE_BITS) | state;
    this.labelIdx[i] = labels;
    this.at[i] = at;
    this.revision[i] = revision;
  }

  private namespace(name: string): number {
    let i = this.nsByName.get(name);
    if (i === undefined) {
      i = this.namespaces.push(name) - 1;
      this.nsByName.set(name, i);
    }
    return i;
  }

  private labelSet(labels: Readonly<Record<string, string>>): number {
    // Keys in the record's own order: the same set written in another order is kept twice, harmlessly.
    let key = "";
    for (const k in labels) key += `${k}\0${labels[k]}\0`;
    let i = this.labelsByKey.get(key);
    if (i === undefined) {
      i = this.labelSets.push(labels) - 1;
      this.labelsByKey.set(key, i);
    }
    return i;
  }
}
