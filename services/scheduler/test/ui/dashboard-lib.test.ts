/**
 * The dashboard's pure parts (services/scheduler/ui/src/lib): ANSI colours, the log buffer
 * (lines across frames, duplicates after a resume, UTF-8 split across frames), which rows a long
 * list renders, the tasks table's filter and order, and routes.
 */
import { describe, expect, it } from "vitest";
import { parseAnsi } from "../../ui/src/lib/ansi.js";
import { LogBuffer, type FrameLike } from "../../ui/src/lib/log-buffer.js";
import { parseRoute } from "../../ui/src/lib/router.js";
import { filterTasks } from "../../ui/src/lib/tasks-model.js";
import { visibleRange } from "../../ui/src/lib/window.js";
import type { Task } from "@trainyard/client";

describe("parseAnsi", () => {
  it("renders SGR colours and styles, drops other escapes, keeps plain text whole", () => {
    expect(parseAnsi("plain").spans).toEqual([{ text: "plain" }]);
    expect(parseAnsi("\x1b[1;31merror\x1b[0m: \x1b[4mhere\x1b[24m").spans).toEqual([
      { text: "error", bold: true, fg: "#cd3131" },
      { text: ": " },
      { text: "here", underline: true },
    ]);
    expect(parseAnsi("\x1b[38;5;196mx\x1b[48;2;1;2;3my").spans).toEqual([
      { text: "x", fg: "rgb(255, 0, 0)" },
      { text: "y", fg: "rgb(255, 0, 0)", bg: "rgb(1, 2, 3)" },
    ]);
    expect(parseAnsi("a\x1b[2K\x1b[1Gb\x1b]0;title\x07c").spans.map((s) => s.text).join("")).toBe("abc");
    expect(parseAnsi("\x1b[32mgreen").end).toEqual({ fg: "#0dbc79" });
  });
});

const enc = new TextEncoder();
const frame = (seq: number, data: string | Uint8Array, stream = 1, attempt = 1): FrameLike => ({ seq: BigInt(seq), attempt, stream, timeMs: seq, data: typeof data === "string" ? enc.encode(data) : data });

describe("LogBuffer", () => {
  it("splits frames into lines, continues a line a frame left open, keeps streams and attempts apart", () => {
    const b = new LogBuffer();
    b.push([frame(1, "a\nb"), frame(2, "oops\n", 2), frame(3, "c\nd\n"), frame(4, "started\n", 3, 2)]);
    expect(b.lines.map((l) => `${l.attempt} ${l.stream} ${l.text}`)).toEqual(["1 stdout a", "1 stdout bc", "1 stderr oops", "1 stdout d", "2 system started"]);
  });

  it("drops frames at or below the last seq (a resumed follow's overlap), counting them", () => {
    const b = new LogBuffer();
    b.push([frame(1, "one\n"), frame(2, "two\n")]);
    expect(b.push([frame(2, "two\n"), frame(1, "one\n")])).toBe(false);
    b.push([frame(5, "three\n")]);
    expect(b.lines.map((l) => l.text)).toEqual(["one", "two", "three"]);
    expect(b.duplicates).toBe(2);
    expect(b.lastSeq).toBe(5n);
  });

  it("decodes a UTF-8 character split across two frames", () => {
    const bytes = enc.encode("é\n");
    const b = new LogBuffer();
    b.push([frame(1, bytes.subarray(0, 1)), frame(2, bytes.subarray(1))]);
    expect(b.lines.map((l) => l.text)).toEqual(["é"]);
  });

  it("past maxLines drops the oldest tenth and says how many", () => {
    const b = new LogBuffer(100);
    b.push(Array.from({ length: 101 }, (_, i) => frame(i + 1, `${i}\n`)));
    expect(b.lines).toHaveLength(90);
    expect(b.dropped).toBe(11);
    expect(b.lines[0]!.text).toBe("11");
  });
});

describe("visibleRange", () => {
  it("renders the rows in view and the overscan, clamped to the list", () => {
    expect(visibleRange(0, 300, 30, 10_000, 5)).toEqual({ start: 0, end: 15 });
    expect(visibleRange(3_000, 300, 30, 10_000, 5)).toEqual({ start: 95, end: 115 });
    expect(visibleRange(1e9, 300, 30, 10, 5)).toEqual({ start: 10, end: 10 });
    expect(visibleRange(0, 300, 30, 0)).toEqual({ start: 0, end: 0 });
  });
});

const task = (id: string, state: number, created: number, labels: Record<string, string> = {}): Task =>
  ({ id, state, message: "", createTime: { seconds: BigInt(created), nanos: 0 }, spec: { image: "busybox", labels } }) as unknown as Task;

describe("filterTasks", () => {
  const all = [task("t-a", 1, 10, { team: "x" }), task("t-b", 3, 30, { team: "y" }), task("t-c", 3, 20)];
  it("newest first; by states (any of), label key or key=value, and text", () => {
    expect(filterTasks(all, { states: new Set(), label: "", text: "" }).map((t) => t.id)).toEqual(["t-b", "t-c", "t-a"]);
    expect(filterTasks(all, { states: new Set([3]), label: "", text: "" }).map((t) => t.id)).toEqual(["t-b", "t-c"]);
    expect(filterTasks(all, { states: new Set(), label: "team", text: "" }).map((t) => t.id)).toEqual(["t-b", "t-a"]);
    expect(filterTasks(all, { states: new Set(), label: "team=x", text: "" }).map((t) => t.id)).toEqual(["t-a"]);
    expect(filterTasks(all, { states: new Set(), label: "", text: "T-C" }).map((t) => t.id)).toEqual(["t-c"]);
  });
});

describe("parseRoute", () => {
  it("tasks, a task by id, nodes, anything else missing", () => {
    expect(parseRoute("/ui/")).toEqual({ page: "tasks" });
    expect(parseRoute("/ui/tasks/t-01abc")).toEqual({ page: "task", id: "t-01abc" });
    expect(parseRoute("/ui/nodes")).toEqual({ page: "nodes" });
    expect(parseRoute("/ui/what")).toEqual({ page: "missing", path: "/ui/what" });
  });
});

describe("LogBuffer and carriage returns", () => {
  it("keeps what follows a line's last \\r (a progress bar stays one line), across frames too; a CRLF ending is no overwrite", () => {
    const b = new LogBuffer();
    b.push([frame(1, "10%\r20%"), frame(2, "\r30%\n"), frame(3, "crlf\r\n"), frame(4, "a\rb\rc\n")]);
    expect(b.lines.map((l) => l.text)).toEqual(["30%", "crlf", "c"]);
  });
});

describe("parseRoute and filterTasks, odd input", () => {
  it("a malformed escape in a task's URL is a missing page; a label key like 'constructor' matches nothing it lacks", () => {
    expect(parseRoute("/ui/tasks/%E0%A4%A")).toEqual({ page: "missing", path: "/ui/tasks/%E0%A4%A" });
    expect(filterTasks([task("t-a", 1, 1)], { states: new Set(), label: "constructor", text: "" })).toEqual([]);
  });
});
