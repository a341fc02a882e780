/**
 * Arrays (SubmitArray): ids, the request's own fields, the label List finds them by. Pure.
 *
 * An array's tasks have ids derived from the array's id and their index (the array's time, and
 * 12 characters of sha256(array id, index)), so a SubmitArray repeated with the same
 * idempotency key, after one that stopped half-way, creates exactly the tasks still missing.
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "@trainyard/common";
import { idTime, taskId } from "./ids.js";

/** At most this many tasks in one array (the response carries them all). */
export const MAX_ARRAY = 1_000;
/** A summary label every task of an array carries in the task index: List by array_id is a label filter. */
export const ARRAY_LABEL = "trainyard.array";

/** "a-" + the same 22 characters as a task id: ids sort by creation time. */
export function arrayId(nowMs: number, random: Uint8Array): string {
  return `a-${taskId(nowMs, random).slice(2)}`;
}

const ARRAY_ID = /^a-[0-9a-hjkmnp-tv-z]{22}$/;

export function requireArrayId(id: string, field = "array_id"): string {
  if (!id) throw new InvalidArgumentError(field, "is required");
  if (!ARRAY_ID.test(id)) throw new InvalidArgumentError(field, `${JSON.stringify(id.slice(0, 140))} is not an array id`);
  return id;
}

/** The id of the array's task at `index`: the array's time, then a hash of (array, index). */
export function memberId(array: string, index: number): string {
  const time = idTime(array);
  return taskId(time, createHash("sha256").update(`${array}:${index}`).digest());
}

export interface ArrayShape {
  count: number;
  /** 0: no limit. */
  maxParallel: number;
}

/** count, elements and max_parallel as SubmitArray takes them. */
export function arrayShape(req: { count: number; elements: readonly unknown[]; maxParallel: number }): ArrayShape {
  if (req.elements.length && req.count && req.count !== req.elements.length) {
    throw new InvalidArgumentError("count", `is ${req.count} but ${req.elements.length} elements were given (0: their number)`);
  }
  const count = req.elements.length || req.count;
  if (count < 1 || count > MAX_ARRAY) throw new InvalidArgumentError(req.elements.length ? "elements" : "count", `must be between 1 and ${MAX_ARRAY} tasks`);
  return { count, maxParallel: req.maxParallel >= count ? 0 : req.maxParallel };
}
