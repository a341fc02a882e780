/** Arrays' ids and request fields (core/arrays.ts). */
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "@trainyard/common";
import { arrayId, arrayShape, MAX_ARRAY, memberId, requireArrayId } from "../src/core/arrays.js";
import { idTime, TASK_ID_PATTERN } from "../src/core/ids.js";

describe("array ids", () => {
  const a = arrayId(1_764_600_000_000, new Uint8Array(12).fill(7));
  it("an array id is a- and a task id's body; its tasks' ids follow from it and the index, with its time", () => {
    expect(a).toMatch(/^a-[0-9a-z]{22}$/);
    expect(requireArrayId(a)).toBe(a);
    expect(memberId(a, 3)).toBe(memberId(a, 3));
    expect(new Set(Array.from({ length: 1_000 }, (_, i) => memberId(a, i))).size).toBe(1_000);
    expect(memberId(a, 0)).toMatch(TASK_ID_PATTERN);
    expect(memberId(a, 0)).toMatch(/^t-/);
    expect(idTime(memberId(a, 5))).toBe(1_764_600_000_000);
  });
  it.each(["", "t-01m8swjtft49dt7tnreba3", "a-short", "a-01m8swjtft49dt7tnreba*"])("%j is not an array id", (id) => {
    expect(() => requireArrayId(id)).toThrow(InvalidArgumentError);
  });
});

describe("arrayShape", () => {
  it("takes count, or the elements' number, and drops a max_parallel that limits nothing", () => {
    expect(arrayShape({ count: 10, elements: [], maxParallel: 3 })).toEqual({ count: 10, maxParallel: 3 });
    expect(arrayShape({ count: 0, elements: [{}, {}], maxParallel: 0 })).toEqual({ count: 2, maxParallel: 0 });
    expect(arrayShape({ count: 2, elements: [{}, {}], maxParallel: 5 })).toEqual({ count: 2, maxParallel: 0 });
  });
  it.each([
    [{ count: 0, elements: [], maxParallel: 0 }, "count"],
    [{ count: MAX_ARRAY + 1, elements: [], maxParallel: 0 }, "count"],
    [{ count: 3, elements: [{}, {}], maxParallel: 0 }, "count"],
  ])("%j is INVALID_ARGUMENT naming %s", (req, field) => {
    expect(() => arrayShape(req)).toThrow(new RegExp(`^${field}:`));
  });
});
