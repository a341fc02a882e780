/**
 * A summary of every task a scheduler knows (id, namespace, state, labels, end or creation time,
 * revision) in a few dozen bytes each, ordered by id (= by creation): what List filters and
 * pages through and what retention expires, without holding whole records.
 *
 * Most summaries live in one id-sorted Segment of typed arrays; changes go to a small buffer of
 * objects that masks the segment (null: deleted from it) and is merged into a new segment once it
 * holds a sixteenth of it (at least MERGE_MIN), so merging costs O(1) amortised per change. Ids
 * that do not encode (not made by core/ids.ts) stay in the buffer for good.
 */
import type { TaskState } from "@trainyard/common";
import { compareParts, encodeId, type IdParts } from "./id-codec.js";
import { TASK_STATES as STATES } from "../observe.js";
import { Segment, SegmentBuilder, STATE_CODE, type TaskSummary } from "./segment.js";

export type { TaskSummary } from "./segment.js";

const MERGE_MIN = 8_192;
const EMPTY = new SegmentBuilder(0).build();

export interface IndexQuery {
  namespace?: string;
  /** Empty: every state. */
  states: ReadonlySet<TaskState>;
  /** Every one must match. */
  labels: readonly (readonly [string, string])[];
  /** Only ids before this one (the previous page's last). */
  beforeId?: string;
  limit: number;
}

export class TaskIndex {
  private segment: Segment = EMPTY;
  /** Changes not merged yet: a summary, or null for a segment entry deleted. */
  private readonly buffer = new Map<string, TaskSummary | null>();
  /** Buffer keys, newest first, with their parts (null: an id that does not encode); rebuilt on demand. */
  private sorted: { id: string; parts: IdParts | null }[] | null = null;
  private readonly counts = new Array<number>(STATES.length).fill(0);
  private n = 0;

  get size(): number {
    return this.n;
  }

  countByState(): Record<TaskState, number> {
    return Object.fromEntries(STATES.map((s, i) => [s, this.counts[i]!])) as Record<TaskState, number>;
  }

  get(id: string): TaskSummary | undefined {
    const b = this.buffer.get(id);
    if (b !== undefined) return b ?? undefined;
    const p = encodeId(id);
    const i = p ? this.segment.find(p) : -1;
    return i < 0 ? undefined : this.segment.summaryAt(i);
  }

  /** Adds or replaces a task's summary. */
  put(s: TaskSummary): void {
    const old = this.get(s.id);
    if (old) this.counts[STATE_CODE[old.state]]!--;
    else this.n++;
    this.counts[STATE_CODE[s.state]]!++;
    if (!this.buffer.has(s.id)) this.sorted = null;
    this.buffer.set(s.id, s);
    if (this.buffer.size >= Math.max(MERGE_MIN, this.segment.length / 16)) this.merge();
  }

  remove(id: string): boolean {
    const old = this.get(id);
    if (!old) return false;
    this.counts[STATE_CODE[old.state]]!--;
    this.n--;
    const p = encodeId(id);
    if (p && this.segment.find(p) >= 0) {
      if (!this.buffer.has(id)) this.sorted = null;
      this.buffer.set(id, null);
    } else {
      this.buffer.delete(id);
      this.sorted = null;
    }
    return true;
  }

  /**
   * Up to `limit` summaries matching `q`, newest first, and whether more match past them.
   * Filters run on the segment's codes, so a scan of a million costs milliseconds.
   */
  page(q: IndexQuery): { tasks: TaskSummary[]; more: boolean } {
    const seg = this.segment;
    const keys = this.sortedKeys();
    const before = q.beforeId;
    const segMatch = this.segmentFilter(seg, q);
    const match = (s: TaskSummary) =>
      (q.namespace === undefined || s.namespace === q.namespace) && (q.states.size === 0 || q.states.has(s.state)) && q.labels.every(([k, v]) => s.labels[k] === v);
    let i = before === undefined ? seg.length - 1 : this.segmentBefore(before);
    let j = before === undefined ? 0 : firstBelow(keys, before);
    const out: TaskSummary[] = [];
    while (out.length <= q.limit) {
      const haveSeg = i >= 0;
      const haveBuf = j < keys.length;
      if (!haveSeg && !haveBuf) break;
      // > 0: the segment's entry is the newer one.
      const c = !haveBuf ? 1 : !haveSeg ? -1 : compareEntry(seg, i, keys[j]!);
      if (c > 0) {
        if (segMatch(i)) out.push(seg.summaryAt(i));
        i--;
        continue;
      }
      const s = this.buffer.get(keys[j]!.id);
      if (s && match(s)) out.push(s);
      if (c === 0) i--; // the buffer's entry replaces (or deletes) the segment's
      j++;
    }
    const more = out.length > q.limit;
    return { tasks: more ? out.slice(0, q.limit) : out, more };
  }

  /**
   * Up to `limit` tasks in a final state whose time is at or before `cutoff`, the oldest first
   * (of the buffer's and the segment's first `limit` in id order, which is close to time order).
   */
  expired(cutoff: number, limit: number, final: ReadonlySet<TaskState>): TaskSummary[] {
    const out: TaskSummary[] = [];
    for (const s of this.buffer.values()) if (s && final.has(s.state) && s.at <= cutoff) out.push(s);
    const seg = this.segment;
    const finalCodes = new Set([...final].map((s) => STATE_CODE[s]));
    for (let i = 0, found = 0; i < seg.length && found < limit; i++) {
      if (!finalCodes.has(seg.stateCode(i)) || seg.at[i]! > cutoff || this.buffer.has(seg.idAt(i))) continue;
      out.push(seg.summaryAt(i));
      found++;
    }
    return out.sort((a, b) => a.at - b.at).slice(0, limit);
  }

  /** Folds the buffer (ids that encode) into a new segment: after a bulk load, so that queries do not sort it. */
  merge(): void {
    const moving: { parts: IdParts; id: string; s: TaskSummary | null }[] = [];
    for (const [id, s] of this.buffer) {
      const parts = encodeId(id);
      if (parts) moving.push({ parts, id, s });
    }
    moving.sort((a, b) => compareParts(a.parts.time, a.parts.hi, a.parts.lo, b.parts));
    const seg = this.segment;
    const b = new SegmentBuilder(seg.length + moving.reduce((n, m) => n + (m.s ? 1 : 0), 0));
    let i = 0;
    for (const m of moving) {
      const end = seg.lowerBound(m.parts);
      b.copyRange(seg, i, end);
      i = end < seg.length && compareEntry(seg, end, m) === 0 ? end + 1 : end; // replaced or deleted
      if (m.s) b.add(m.parts, m.s);
      this.buffer.delete(m.id);
    }
    b.copyRange(seg, i, seg.length);
    this.segment = b.build();
    this.sorted = null;
  }

  private sortedKeys(): { id: string; parts: IdParts | null }[] {
    this.sorted ??= [...this.buffer.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).map((id) => ({ id, parts: encodeId(id) }));
    return this.sorted;
  }

  /** The index of the segment's last entry before `id` (-1 if none). */
  private segmentBefore(id: string): number {
    const seg = this.segment;
    const parts = encodeId(id);
    if (parts) return seg.lowerBound(parts) - 1;
    let lo = 0;
    let hi = seg.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seg.idAt(mid) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Whether segment entry i matches q, from per-segment tables of which namespaces and label sets do. */
  private segmentFilter(seg: Segment, q: IndexQuery): (i: number) => boolean {
    const nsOk = seg.namespaces.map((ns) => q.namespace === undefined || ns === q.namespace);
    let stateMask = 0;
    for (const s of q.states) stateMask |= 1 << STATE_CODE[s];
    if (q.states.size === 0) stateMask = -1;
    const labelsOk = new Int8Array(seg.labelSets.length).fill(-1);
    return (i) => {
      if (!(stateMask & (1 << seg.stateCode(i))) || !nsOk[seg.nsIndex(i)]) return false;
      const l = seg.labelIdx[i]!;
      if (labelsOk[l] === -1) {
        const set = seg.labelSets[l]!;
        labelsOk[l] = q.labels.every(([k, v]) => set[k] === v) ? 1 : 0;
      }
      return labelsOk[l] === 1;
    };
  }
}

/** Segment entry i against a key: negative, 0, positive as it is before, equal to or after it. */
function compareEntry(seg: Segment, i: number, key: { id: string; parts: IdParts | null }): number {
  if (key.parts) return compareParts(seg.time[i]!, seg.hi[i]!, seg.lo[i]!, key.parts);
  const id = seg.idAt(i);
  return id < key.id ? -1 : id > key.id ? 1 : 0;
}

/** The first position in newest-first `keys` whose id is before `id`. */
function firstBelow(keys: readonly { id: string }[], id: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]!.id >= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
