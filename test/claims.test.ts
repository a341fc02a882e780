// Claims per node on a real nats-server: each agent creates "<task>.<attempt>.<node>", the first
// one stored holds the attempt for every reader, a node that gave its claim up is passed over,
// and a claim from before claims were per node ("<task>.<attempt>") still wins.
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimHolder, claimKey, ensureInfrastructure, type Infra } from "@trainyard/common";
import { startNats, type NatsServer } from "./harness/nats.js";

let nats: NatsServer;
let nc: NatsConnection;
let infra: Infra;
let jsm: JetStreamManager;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  infra = await ensureInfrastructure(nc, { replicas: 1, logRetentionMs: 86_400_000, logMaxBytes: -1 });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const holder = (task: string, attempt = 1) => claimHolder(infra.claims, jsm, task, attempt);

describe("claimHolder", () => {
  it("is nobody before a claim, then the first node that claimed, for every reader", async () => {
    expect(await holder("t-a")).toBeNull();
    await infra.claims.create(claimKey("t-a", 1, "n2"), "n2");
    await infra.claims.create(claimKey("t-a", 1, "n1"), "n1");
    await infra.claims.create(claimKey("t-a", 2, "n1"), "n1");
    expect(await holder("t-a")).toBe("n2");
    expect(await holder("t-a", 2)).toBe("n1");
    expect(await holder("t-ab")).toBeNull(); // another task's prefix is not this one's
  });

  it("passes over a claim its node deleted", async () => {
    await infra.claims.create(claimKey("t-b", 1, "n1"), "n1");
    await infra.claims.create(claimKey("t-b", 1, "n2"), "n2");
    await infra.claims.delete(claimKey("t-b", 1, "n1"));
    expect(await holder("t-b")).toBe("n2");
  });

  it("lets a claim from before per-node claims win", async () => {
    await infra.claims.create(claimKey("t-c", 1, "n1"), "n1");
    await infra.claims.create("t-c.1", "old");
    expect(await holder("t-c")).toBe("old");
  });
});
