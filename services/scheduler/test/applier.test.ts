/**
 * The applier (store/applier.ts) reads a task from this replica's view when the view holds it.
 * The view may be behind the store (another replica wrote since): the compare-and-set loses and
 * the input is decided again on the store's record; and an input the stale copy would ignore is
 * decided on the store's record, never dropped.
 */
import { describe, expect, it } from "vitest";
import type { TaskRecord } from "@trainyard/common";
import { createApplier, type StoredSink } from "../src/store/applier.js";
import type { StoredTask } from "../src/store/task-store.js";
import { deepFreeze, input, states, TASK_ID } from "./fixtures.js";
import { MemorySystemLog, MemoryTaskStore } from "./memory.js";

/** A view that holds whatever it was last given, and counts the store reads. */
function setup(inStore: TaskRecord, inView: TaskRecord | undefined) {
  const store = new MemoryTaskStore();
  let reads = 0;
  const get = store.get.bind(store);
  store.get = (id) => (reads++, get(id));
  const seen = new Map<string, StoredTask>();
  const view: StoredSink = { offer: (task, revision) => void seen.set(task.id, { task, revision }), current: (id) => seen.get(id) };
  const applier = createApplier({ store, systemLog: new MemorySystemLog(), view });
  return { store, seen, applier, reads: () => reads, init: async () => {
    const revision = await store.create(deepFreeze(inStore));
    if (inView) seen.set(TASK_ID, { task: deepFreeze(inView), revision: inView === inStore ? revision : revision - 1 });
  } };
}

describe("applier, reading from the view", () => {
  it("writes on the view's copy without reading the store when the copy is current", async () => {
    const s = states["PENDING dispatched"]();
    const h = setup(s, s);
    await h.init();
    const r = await h.applier.apply(TASK_ID, input.claimed());
    expect(h.reads()).toBe(0);
    expect(r.task.attempts[0]!.claimTime).toBeDefined();
    expect((await h.store.get(TASK_ID))!.revision).toBe(r.revision);
  });

  it("decides again on the store's record when the view's copy is stale (the compare-and-set loses)", async () => {
    const h = setup(states["PENDING claimed"](), states["PENDING dispatched"]());
    await h.init();
    const r = await h.applier.apply(TASK_ID, input.started());
    expect(r.task.state).toBe("RUNNING");
    expect(h.reads()).toBe(1);
  });

  it("does not drop an input the view's copy says changes nothing: the store's record decides", async () => {
    // The copy already has a cancel request the store's record lacks (e.g. one written and then lost to another writer).
    const h = setup(states["RUNNING started"](), states["RUNNING cancel requested"]());
    await h.init();
    await h.applier.apply(TASK_ID, input.cancel());
    expect(h.reads()).toBe(1);
    expect((await h.store.get(TASK_ID))!.task.cancel).toBeDefined();
  });

  it("reads the store when the view has no copy", async () => {
    const h = setup(states["PENDING dispatched"](), undefined);
    await h.init();
    await h.applier.apply(TASK_ID, input.claimed());
    expect(h.reads()).toBe(1);
  });
});
