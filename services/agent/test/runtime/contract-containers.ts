// Contract cases for containers: run, logs (follow, `since`), signals, names, labels, failures,
// OOM. Defined by runtimeContract (contract.ts) for each runtime.
import { expect, it } from "vitest";
import { stampNs } from "../../src/core/log-stamps.js";
import type { LogEntry } from "../../src/runtime/container-runtime.js";
import { DEADLINE_MS, lines, readLogs, stopped, untilLine, type ContractCtx } from "./contract-support.js";

export function containerCases(ctx: ContractCtx): void {
  const rt = () => ctx.t().runtime;

  it("answers its version", async () => {
    expect(await rt().version()).toMatch(/\S/);
  });

  it("runs a container: the log follows it, stdout and stderr in order, to its end; inspect gives the exit code", async () => {
    const before = Date.now();
    const id = await ctx.run("run", {
      output: [{ stdout: "one" }, { stdout: "two" }, { pauseMs: 300 }, { stderr: "warn" }, { pauseMs: 100 }, { stdout: "three" }],
      exitCode: 3,
    });
    const followed = await readLogs(rt(), id);
    await stopped(rt(), id);
    const expected = ["stdout one\n", "stdout two\n", "stderr warn\n", "stdout three\n"];
    expect(lines(followed)).toEqual(expected);
    expect(lines(await readLogs(rt(), id))).toEqual(expected);
    const st = await rt().inspect(id);
    expect(st).toMatchObject({ running: false, exitCode: 3, oomKilled: false });
    expect(st.startedAt).toBeGreaterThanOrEqual(before - 1_000);
    expect(st.startedAt).toBeLessThanOrEqual(Date.now());
  });

  it("stamps entries strictly increasing, and resumes a log with `since`: the entry stamped `since` first, then the later ones", async () => {
    const id = await ctx.run("since", { output: [{ stdout: "a" }, { pauseMs: 20 }, { stdout: "b" }, { pauseMs: 20 }, { stderr: "c" }, { pauseMs: 20 }, { stdout: "d" }] });
    await stopped(rt(), id);
    const all = await readLogs(rt(), id);
    expect(lines(all)).toEqual(["stdout a\n", "stdout b\n", "stderr c\n", "stdout d\n"]);
    const ns = all.map((e) => stampNs(e.stamp!)!);
    for (let i = 1; i < ns.length; i++) expect(ns[i]! > ns[i - 1]!).toBe(true);
    expect(lines(await readLogs(rt(), id, all[1]!.stamp))).toEqual(["stdout b\n", "stderr c\n", "stdout d\n"]);
    expect(lines(await readLogs(rt(), id, all[3]!.stamp))).toEqual(["stdout d\n"]);
  });

  it("attaches before the start: every line of each stream, in order, unstamped, to the container's end; the same as its log", async () => {
    const id = await ctx.run("attach", { output: [{ stdout: "one" }, { stderr: "warn %i", repeat: 3 }, { pauseMs: 100 }, { stdout: "line %i", repeat: 500 }] }, { created: true });
    const entries: LogEntry[] = [];
    const signal = AbortSignal.timeout(DEADLINE_MS);
    const attached = await rt().attach!(id, signal);
    await rt().start(id);
    for await (const batch of attached) entries.push(...batch);
    expect(signal.aborted).toBe(false);
    await stopped(rt(), id);
    expect(entries.every((e) => e.stamp === undefined)).toBe(true);
    const joined = (s: LogEntry["stream"], es: LogEntry[]) => Buffer.concat(es.filter((e) => e.stream === s).map((e) => e.data)).toString();
    expect(joined("stderr", entries)).toBe("warn 1\nwarn 2\nwarn 3\n");
    expect(joined("stdout", entries)).toBe(`one\n${Array.from({ length: 500 }, (_, i) => `line ${i + 1}\n`).join("")}`);
    const logged = await readLogs(rt(), id);
    expect(joined("stdout", entries)).toBe(joined("stdout", logged));
    expect(entries.every((e) => e.data.at(-1) === 10)).toBe(true); // cut at line ends
  });

  it("ends a container with 143 on SIGTERM", async () => {
    const id = await ctx.run("term", { output: [{ stdout: "ready" }], durationMs: Infinity });
    await untilLine(rt(), id, "ready");
    await rt().kill(id, "SIGTERM");
    await stopped(rt(), id);
    expect(await rt().inspect(id)).toMatchObject({ running: false, exitCode: 143, oomKilled: false });
  });

  it("ends a container with 137 on SIGKILL", async () => {
    const id = await ctx.run("kill", { output: [{ stdout: "ready" }], durationMs: Infinity });
    await untilLine(rt(), id, "ready");
    await rt().kill(id, "SIGKILL");
    await stopped(rt(), id);
    expect(await rt().inspect(id)).toMatchObject({ running: false, exitCode: 137 });
  });

  it("keeps a container that ignores SIGTERM running (a wait ends only by its signal) until SIGKILL: 137", async () => {
    const id = await ctx.run("ignore-term", { ignoreSigterm: true, output: [{ stdout: "ready" }], durationMs: Infinity });
    await untilLine(rt(), id, "ready");
    await rt().kill(id, "SIGTERM");
    await expect(rt().wait(id, AbortSignal.timeout(1_000))).rejects.toThrow();
    expect((await rt().inspect(id)).running).toBe(true);
    await rt().kill(id, "SIGKILL");
    await stopped(rt(), id);
    expect(await rt().inspect(id)).toMatchObject({ running: false, exitCode: 137 });
  });

  it("reports an OOM kill: 137 and oomKilled", async () => {
    const id = await ctx.run("oom", { oom: true });
    await stopped(rt(), id);
    expect(await rt().inspect(id)).toMatchObject({ running: false, exitCode: 137, oomKilled: true });
  });

  it("replaces a leftover container of the same name on create", async () => {
    const old = await ctx.run("same-name", { durationMs: Infinity });
    const id = await ctx.run("same-name", { output: [{ stdout: "new" }] });
    expect(id).not.toBe(old);
    await expect(rt().inspect(old)).rejects.toThrow();
    await stopped(rt(), id);
    expect(lines(await readLogs(rt(), id))).toEqual(["stdout new\n"]);
    const t = ctx.t();
    expect((await rt().list(t.label)).map((c) => c.id).filter((c) => c === old || c === id)).toEqual([id]);
  });

  it("rejects inspect, wait and logs of a missing container", async () => {
    const missing = `${ctx.t().prefix}-missing`;
    await expect(rt().inspect(missing)).rejects.toThrow();
    await expect(rt().wait(missing, AbortSignal.timeout(5_000))).rejects.toThrow();
    await expect(readLogs(rt(), missing)).rejects.toThrow();
  });

  it("takes kill and remove of a missing, a never-started or a stopped container as done", async () => {
    const missing = `${ctx.t().prefix}-missing`;
    await rt().kill(missing, "SIGTERM");
    await rt().kill(missing, "SIGKILL");
    await rt().remove(missing);
    const created = await ctx.run("never-started", {}, { created: true });
    await rt().kill(created, "SIGTERM");
    await rt().remove(created);
    const done = await ctx.run("stopped", {});
    await stopped(rt(), done);
    await rt().kill(done, "SIGTERM");
    await rt().kill(done, "SIGKILL");
    await rt().remove(done);
    await rt().remove(done);
    await expect(rt().inspect(done)).rejects.toThrow();
  });

  it("lists the containers carrying a label in any state: created, running, exited", async () => {
    const labels = { "trainyard.contract.case": `${ctx.t().prefix}-list` };
    const created = await ctx.run("list-created", {}, { labels, created: true });
    const running = await ctx.run("list-running", { durationMs: Infinity }, { labels });
    const exited = await ctx.run("list-exited", {}, { labels });
    await stopped(rt(), exited);
    const listed = await rt().list(`trainyard.contract.case=${labels["trainyard.contract.case"]}`);
    const states = Object.fromEntries(listed.map((c) => [c.id, c.state]));
    expect(states).toEqual({ [created]: "created", [running]: "running", [exited]: "exited" });
    expect(listed[0]!.labels).toMatchObject(labels);
  });

  it("throws from start() when the container cannot start; it stays created, never started", async () => {
    const id = await ctx.run("start-fails", { startError: "cannot start" }, { created: true });
    await expect(rt().start(id)).rejects.toThrow();
    const st = await rt().inspect(id);
    expect(st).toMatchObject({ running: false, startedAt: 0 });
    expect(st.error).not.toBe("");
    await stopped(rt(), id);
    expect((await rt().list(ctx.t().label)).find((c) => c.id === id)?.state).toBe("created");
  });

  it("throws from create() when the container cannot be made, leaving none", async () => {
    const labels = { "trainyard.contract.case": `${ctx.t().prefix}-create-fails` };
    await expect(ctx.run("create-fails", { createError: "cannot create" }, { labels, created: true })).rejects.toThrow();
    expect(await rt().list(`trainyard.contract.case=${labels["trainyard.contract.case"]}`)).toEqual([]);
  });
}
