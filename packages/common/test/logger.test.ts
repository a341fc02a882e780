import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { InvalidArgumentError } from "../src/errors.js";
import { logFormat, prettyStream } from "../src/logger.js";

describe("logFormat", () => {
  it.each([
    [{}, true, "pretty"],
    [{}, false, "json"],
    [{ TRAINYARD_LOG_FORMAT: "" }, true, "pretty"],
    [{ TRAINYARD_LOG_FORMAT: "json" }, true, "json"],
    [{ TRAINYARD_LOG_FORMAT: "JSON " }, true, "json"],
    [{ TRAINYARD_LOG_FORMAT: "pretty" }, false, "pretty"],
  ] as const)("env %j with a TTY %s logs %s", (env, tty, want) => {
    expect(logFormat(env, tty)).toBe(want);
  });

  it("refuses any other value, naming the variable", () => {
    expect(() => logFormat({ TRAINYARD_LOG_FORMAT: "text" }, true)).toThrow(InvalidArgumentError);
    expect(() => logFormat({ TRAINYARD_LOG_FORMAT: "text" }, true)).toThrow(/TRAINYARD_LOG_FORMAT/);
  });
});

describe("pretty output", () => {
  it("writes one readable line with node, task and attempt before the message and other fields after it", async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on("data", (c: Buffer) => chunks.push(c.toString()));
    const logger = pino({ name: "agent", base: { pid: 7 } }, prettyStream(false, out));
    logger.child({ node: "n-1" }).child({ task: "t-abc", attempt: 2 }).info({ container: "c0ffee" }, "container started");
    logger.info("agent serving");
    await new Promise((r) => setImmediate(r));
    const lines = chunks.join("").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(agent\): \[n-1\] t-abc\/2 container started \{"container":"c0ffee"\}$/);
    expect(lines[1]).toMatch(/INFO \(agent\): agent serving$/);
    expect(lines.join("\n")).not.toContain('"pid"');
  });
});
