/** The heartbeat (liveness/heartbeat.ts): a failed or unanswered put is tried again soon, not a whole beat later. */
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { KV } from "@nats-io/kv";
import type { NodeRecord } from "@trainyard/common";
import { Heartbeat } from "../../src/liveness/heartbeat.js";

const record: NodeRecord = { id: "n1", pools: ["default"], slots: 1, gpus: 0, leaseMs: 15_000, startTime: 0, heartbeatTime: 0, draining: false, running: [] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let hb: Heartbeat | undefined;
afterEach(() => hb?.stop());

/** A nodes bucket whose put answers as `answer(n)` says for the n-th put. */
function bucket(answer: (n: number) => "ok" | "fail" | "hang") {
  const puts: number[] = [];
  const kv = {
    put: async () => {
      puts.push(Date.now());
      const a = answer(puts.length);
      if (a === "fail") throw new Error("503 no responders");
      if (a === "hang") await new Promise(() => {});
      return puts.length;
    },
  } as unknown as KV;
  return { kv, puts };
}

describe("Heartbeat", () => {
  it("tries a failed put again within a second, not a whole beat later", async () => {
    const { kv, puts } = bucket((n) => (n <= 3 && n > 1 ? "fail" : "ok"));
    hb = new Heartbeat(kv, () => record, 60_000, pino({ level: "silent" }));
    await hb.start(); // put 1 ok
    await hb.beat(); // put 2 fails: retried after 500 ms (fails), then after 500 ms more (ok)
    await sleep(1_300);
    expect(puts).toHaveLength(4);
    expect(hb.silentMs()).toBeLessThan(600);
  });

  it("counts a put not answered in time as failed and tries again", async () => {
    const { kv, puts } = bucket((n) => (n === 2 ? "hang" : "ok"));
    hb = new Heartbeat(kv, () => record, 60_000, pino({ level: "silent" }));
    await hb.start();
    const hung = hb.beat(); // put 2 hangs: given up after 2 s
    await hung;
    await sleep(700);
    expect(puts).toHaveLength(3);
    expect(hb.silentMs()).toBeLessThan(1_000);
  });
});
