/** The task index against a plain model: random puts, removals and pages agree, across merges. */
import { describe, expect, it } from "vitest";
import type { TaskState } from "@trainyard/common";
import { decodeId, encodeId } from "../src/core/task-index/id-codec.js";
import { TaskIndex, type IndexQuery, type TaskSummary } from "../src/core/task-index/task-index.js";
import { taskId } from "../src/core/ids.js";

const STATES: TaskState[] = ["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"];
const FINAL = new Set<TaskState>(["SUCCEEDED", "FAILED", "CANCELLED"]);

/** A seeded generator, so a failure repeats. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function modelPage(model: Map<string, TaskSummary>, q: IndexQuery) {
  const all = [...model.values()]
    .filter((s) => (q.namespace === undefined || s.namespace === q.namespace) && (q.states.size === 0 || q.states.has(s.state)))
    .filter((s) => q.labels.every(([k, v]) => s.labels[k] === v) && (q.beforeId === undefined || s.id < q.beforeId))
    .sort((a, b) => (a.id < b.id ? 1 : -1));
  return { tasks: all.slice(0, q.limit), more: all.length > q.limit };
}

describe("id codec", () => {
  it("round-trips the ids core/ids.ts makes, in the same order", () => {
    const r = rng(1);
    const ids = Array.from({ length: 500 }, () => taskId(Math.floor(r() * 2 ** 45), Uint8Array.from({ length: 12 }, () => Math.floor(r() * 256))));
    for (const id of ids) {
      const p = encodeId(id)!;
      expect(decodeId(p.time, p.hi, p.lo)).toBe(id);
    }
    const byString = [...ids].sort();
    const byParts = [...ids].sort((a, b) => {
      const x = encodeId(a)!;
      const y = encodeId(b)!;
      return x.time - y.time || x.hi - y.hi || x.lo - y.lo;
    });
    expect(byParts).toEqual(byString);
  });

  it("does not encode other ids", () => {
    for (const id of ["t-1", "t-abc", "x-0000000000000000000000", "t-000000000000000000000u", "t-00000000000000000000000"]) expect(encodeId(id)).toBeNull();
  });
});

describe("TaskIndex", () => {
  it("agrees with a plain map through 60,000 random changes, merges included", () => {
    const r = rng(7);
    const index = new TaskIndex();
    const model = new Map<string, TaskSummary>();
    const ids: string[] = [];
    const labelSets: Record<string, string>[] = [{}, { team: "a" }, { team: "b" }, { team: "a", run: "x" }];
    let t = 1_790_000_000_000;
    for (let step = 0; step < 60_000; step++) {
      const roll = r();
      let id: string;
      if (roll < 0.5 || ids.length === 0) {
        // New ids mostly rise with time; a few are hand-made ones that do not encode.
        id = r() < 0.01 ? `t-odd${step}` : taskId((t += Math.floor(r() * 3)), Uint8Array.from({ length: 12 }, () => Math.floor(r() * 256)));
        ids.push(id);
      } else id = ids[Math.floor(r() * ids.length)]!;
      if (roll > 0.9) {
        expect(index.remove(id)).toBe(model.delete(id));
        continue;
      }
      const s: TaskSummary = {
        id,
        namespace: r() < 0.5 ? "default" : "ml",
        state: STATES[Math.floor(r() * STATES.length)]!,
        labels: labelSets[Math.floor(r() * labelSets.length)]!,
        at: t - Math.floor(r() * 10_000),
        revision: step + 1,
      };
      index.put(s);
      model.set(id, s);
      if (step % 997 === 0) {
        expect(index.size).toBe(model.size);
        const q: IndexQuery = {
          ...(r() < 0.5 ? { namespace: "ml" } : {}),
          states: new Set(r() < 0.5 ? [] : [STATES[Math.floor(r() * 5)]!]),
          labels: r() < 0.5 ? [] : [["team", "a"]],
          ...(r() < 0.5 && ids.length ? { beforeId: ids[Math.floor(r() * ids.length)]! } : {}),
          limit: 1 + Math.floor(r() * 200),
        };
        expect(index.page(q)).toEqual(modelPage(model, q));
        const some = ids[Math.floor(r() * ids.length)]!;
        expect(index.get(some)).toEqual(model.get(some));
      }
    }
    const counts = Object.fromEntries(STATES.map((s) => [s, [...model.values()].filter((m) => m.state === s).length]));
    expect(index.countByState()).toEqual(counts);
    const cutoff = t - 5_000;
    const expired = index.expired(cutoff, Infinity, FINAL);
    const want = [...model.values()].filter((s) => FINAL.has(s.state) && s.at <= cutoff);
    expect(new Set(expired.map((s) => s.id))).toEqual(new Set(want.map((s) => s.id)));
    expect(expired).toHaveLength(want.length);
  }, 60_000); // ~1 s alone, several on a loaded machine

  it("keeps a million finished tasks in well under 100 MB of heap", () => {
    const index = new TaskIndex();
    const base = 1_790_000_000_000;
    const labels = { team: "a" };
    const random = new Uint8Array(12);
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000_000; i++) {
      random[0] = i & 255;
      random[1] = (i >> 8) & 255;
      index.put({ id: taskId(base + i, random), namespace: "default", state: "SUCCEEDED", labels, at: base + i, revision: i + 1 });
    }
    globalThis.gc?.();
    const grew = process.memoryUsage().heapUsed - before;
    expect(index.size).toBe(1_000_000);
    expect(grew).toBeLessThan(100 * 2 ** 20);
    const t0 = performance.now();
    const p = index.page({ states: new Set(["FAILED"]), labels: [], limit: 100 });
    expect(p).toEqual({ tasks: [], more: false });
    expect(performance.now() - t0).toBeLessThan(2_000); // a full scan; sanity only, not a timing target
  }, 60_000);
});
