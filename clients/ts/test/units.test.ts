import { describe, expect, it } from "vitest";
import { durationToMs, formatBytes, formatDuration, parseBytes } from "../src/units.js";

describe("durationToMs", () => {
  it.each([
    ["500ms", 500],
    ["15s", 15_000],
    ["10m", 600_000],
    ["1h30m", 5_400_000],
    ["7d", 604_800_000],
    ["1.5s", 1_500],
    ["2", 2_000],
    [" 3s ", 3_000],
  ])("%j → %d", (text, ms) => expect(durationToMs(text)).toBe(ms));
  it.each(["", "abc", "10x", "1h 30m", "-5s", "s"])("%j is not a duration", (text) => expect(durationToMs(text)).toBeUndefined());
});

describe("formatDuration", () => {
  it.each([
    [500, "500ms"],
    [1500, "1.5s"],
    [90_000, "1m30s"],
    [3_600_000, "1h"],
  ])("%d → %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe("parseBytes", () => {
  it.each([
    ["512m", 512 * 1024 ** 2],
    ["512M", 512 * 1024 ** 2],
    ["2g", 2 * 1024 ** 3],
    ["1.5GiB", 1.5 * 1024 ** 3],
    ["64MiB", 64 * 1024 ** 2],
    ["64mb", 64 * 1024 ** 2],
    ["100k", 102_400],
    ["1048576", 1_048_576],
    ["10b", 10],
    ["1t", 1024 ** 4],
  ])("%j → %d", (text, bytes) => expect(parseBytes(text)).toBe(bytes));
  it.each(["12q", "", "m", "1.2.3g", "-5m", "5 megabytes", "1e3"])("%j is not a size", (text) => expect(parseBytes(text)).toBeUndefined());
});

describe("formatBytes", () => {
  it.each([
    [512, "512B"],
    [536_870_912, "512Mi"],
    [1.5 * 1024 ** 3, "1.5Gi"],
  ])("%d → %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});
