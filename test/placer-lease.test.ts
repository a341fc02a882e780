// The placer lease on a real nats-server: one holder at a time, handed over at once on stop, taken
// over after the TTL when its holder vanishes without a word, and given up by a holder that has
// not renewed for half the TTL.
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { ensureInfrastructure, LEASE_TTL_MS, type Infra } from "@trainyard/common";
import { PLACER_KEY, PlacerLease, type LeaseHolding } from "@trainyard/scheduler/bus/placer-lease";
import { startNats, type NatsServer } from "./harness/nats.js";

let nats: NatsServer;
let nc: NatsConnection;
let infra: Infra;
const log = pino({ level: "silent" });

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  infra = await ensureInfrastructure(nc, { replicas: 1, logRetentionMs: 86_400_000, logMaxBytes: -1 });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

async function until(f: () => boolean, ms: number): Promise<number> {
  const start = Date.now();
  while (!f()) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

describe("PlacerLease", () => {
  it("one of two replicas holds it; the other takes it over at once when the holder stops", async () => {
    const changes: [string, LeaseHolding | null][] = [];
    const a = new PlacerLease({ kv: infra.leases, holder: "a", logger: log, onChange: (h) => changes.push(["a", h]) });
    const b = new PlacerLease({ kv: infra.leases, holder: "b", logger: log, onChange: (h) => changes.push(["b", h]) });
    a.start();
    await until(() => a.held !== null, 2_000);
    b.start();
    await new Promise((r) => setTimeout(r, LEASE_TTL_MS / 2));
    expect(b.held).toBeNull();
    const first = a.held!.epoch;
    await a.stop();
    expect(a.held).toBeNull();
    const took = await until(() => b.held !== null, LEASE_TTL_MS);
    expect(took).toBeLessThan(LEASE_TTL_MS / 2); // its next try, not the TTL
    expect(b.held!.epoch).toBeGreaterThan(first);
    expect(changes.map(([who, h]) => `${who}:${h ? "held" : "lost"}`)).toEqual(["a:held", "a:lost", "b:held"]);
    await b.stop();
  }, 30_000);

  it("a holder that vanished without a word is replaced once its key expires", async () => {
    await infra.leases.create(PLACER_KEY, JSON.stringify({ holder: "gone", time: Date.now() }));
    const b = new PlacerLease({ kv: infra.leases, holder: "b", logger: log });
    b.start();
    const took = await until(() => b.held !== null, 3 * LEASE_TTL_MS);
    expect(took).toBeGreaterThan(LEASE_TTL_MS / 2);
    await b.stop();
  }, 60_000);

  it("a holder that has not renewed for half the TTL stops placing at once", async () => {
    let now = performance.now();
    const a = new PlacerLease({ kv: infra.leases, holder: "a", logger: log, clock: () => now });
    a.start();
    await until(() => a.held !== null, 2_000);
    now += LEASE_TTL_MS / 2 + 1; // as if the process had been paused
    expect(a.held).toBeNull();
    await a.stop();
  }, 30_000);
});
