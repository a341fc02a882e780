import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { describe, expect, it } from "vitest";
import { claimHolder } from "../src/store/claims.js";

describe("claimHolder (scheduler)", () => {
  it("looks a holder up once per attempt, and nobody-yet every time", async () => {
    const holders = new Map<string, string>();
    const asked: string[] = [];
    const holder = claimHolder({} as KV, {} as JetStreamManager, async (_kv, _jsm, task, attempt) => {
      asked.push(`${task}.${attempt}`);
      return holders.get(`${task}.${attempt}`) ?? null;
    });
    expect(await holder("t1", 1)).toBeNull();
    holders.set("t1.1", "n1");
    expect(await holder("t1", 1)).toBe("n1");
    holders.set("t1.1", "n2"); // never happens (the first claim stays first): shows it is not asked again
    expect(await holder("t1", 1)).toBe("n1");
    expect(await holder("t1", 2)).toBeNull();
    expect(asked).toEqual(["t1.1", "t1.1", "t1.2"]);
  });
});
