/** What `npm run nats-conf` writes: users, their permissions, TLS and the cluster block. */
import { describe, expect, it } from "vitest";
import { agentPermissions, schedulerPermissions } from "../../src/nats/conf/permissions.js";
import { serverConf, users } from "../../src/nats/conf/server-conf.js";

const agents = [{ nodeId: "gpu-1", pools: ["gpu", "default"] }];
const publicKeys = { admin: "UADMIN", scheduler: "USCHED", "agent-gpu-1": "UGPU1" };

describe("permissions", () => {
  it("keep an agent to subjects ending with its node, its heartbeat, claims, reads, and its node's consumer", () => {
    const p = agentPermissions("gpu-1");
    expect(p.subscribe).toEqual(["_INBOX_node_gpu-1.>"]);
    expect(p.publish).toEqual(expect.arrayContaining(["trainyard.events.*.gpu-1", "trainyard.logs.*.*.gpu-1", "$KV.nodes.gpu-1", "$KV.claims.*.*.gpu-1"]));
    expect(p.publish).toEqual(expect.arrayContaining(["$JS.API.CONSUMER.MSG.NEXT.DISPATCH.node-gpu-1", "$JS.ACK.DISPATCH.node-gpu-1.>"]));
    // Nothing that writes records, dispatches, manages streams or creates consumers, and no wildcard over the API.
    for (const s of p.publish) {
      expect(s, s).not.toMatch(/^\$KV\.tasks|^trainyard\.dispatch|STREAM\.(CREATE|UPDATE|DELETE|PURGE)|CONSUMER\.(CREATE|DURABLE|DELETE)|^\$JS\.API\.>$|^>$/);
      expect(s.startsWith("trainyard.") ? s.endsWith(".gpu-1") : true, s).toBe(true);
    }
  });

  it("let the scheduler manage streams and write records, but not publish as an agent", () => {
    const p = schedulerPermissions();
    expect(p.publish).toEqual(expect.arrayContaining(["$JS.API.>", "$KV.tasks.>", "$KV.drains.>", "trainyard.dispatch.>", "trainyard.logs.*.s"]));
    expect(p.publish.some((s) => s.startsWith("trainyard.events"))).toBe(false);
    expect(p.subscribe).toEqual(["_INBOX_scheduler.>"]);
  });
});

describe("serverConf", () => {
  it("has an admin, the scheduler and one user per agent, each by nkey", () => {
    expect(users(agents).map((u) => u.name)).toEqual(["admin", "scheduler", "agent-gpu-1"]);
    const conf = serverConf({ publicKeys, agents });
    expect(conf).toContain('{ nkey: "UADMIN" }');
    expect(conf).toMatch(/\{ nkey: "UGPU1", permissions: \{ publish: \{ allow: \["trainyard\.events\.\*\.gpu-1"/);
    expect(conf).not.toMatch(/^tls|^cluster/m);
    expect(() => serverConf({ publicKeys: { admin: "U" }, agents })).toThrow(/scheduler/);
  });

  it("adds TLS with client verification, and an authenticated cluster", () => {
    const conf = serverConf({
      publicKeys,
      agents,
      tls: { certFile: "/c/s.pem", keyFile: "/c/s.key", caFile: "/c/ca.pem", verify: true },
      cluster: { name: "trainyard", listen: "0.0.0.0:6222", routes: ["nats-1:6222", "nats-2:6222"], password: "p/w" },
    });
    expect(conf).toContain('tls { cert_file: "/c/s.pem", key_file: "/c/s.key", ca_file: "/c/ca.pem", verify: true }');
    expect(conf).toContain('routes: ["nats://route:p%2Fw@nats-1:6222", "nats://route:p%2Fw@nats-2:6222"], authorization { user: "route", password: "p/w" }');
  });
});
