/** TRAINYARD_NATS_*: credentials and TLS for the services' NATS connection. */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nkeys } from "@nats-io/transport-node";
import { InvalidArgumentError } from "../../src/errors.js";
import { envNats, natsConnectOptions } from "../../src/nats/target.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "trainyard-envnats-"));
const file = (name: string, text: string) => (writeFileSync(path.join(dir, name), text), path.join(dir, name));
const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
const seedFile = file("agent.nk", `${seed}\n`);
const pem = file("x.pem", "pem");
const field = (env: Record<string, string>) => {
  try {
    envNats(env);
    return "ok";
  } catch (err) {
    return (err as InvalidArgumentError).field;
  }
};

describe("envNats", () => {
  it("is anonymous and cleartext by default, on the local server", () => {
    expect(envNats({})).toEqual({ servers: ["nats://127.0.0.1:4222"] });
  });

  it("reads a user and password, or an nkey seed file, and TLS files", () => {
    expect(envNats({ TRAINYARD_NATS_USER: "u", TRAINYARD_NATS_PASSWORD: "p" }).auth).toEqual({ user: "u", password: "p" });
    const t = envNats({ TRAINYARD_NATS_NKEY_FILE: seedFile, TRAINYARD_NATS_TLS_CA: pem, TRAINYARD_NATS_TLS_CERT: pem, TRAINYARD_NATS_TLS_KEY: pem });
    expect(t.auth).toEqual({ nkeyFile: seedFile, seed: new TextEncoder().encode(seed) });
    expect(t.tls).toEqual({ caFile: pem, certFile: pem, keyFile: pem });
    const o = natsConnectOptions(t, "_INBOX_node_a");
    expect(o).toMatchObject({ inboxPrefix: "_INBOX_node_a", tls: { caFile: pem } });
    expect(typeof o.authenticator).toBe("function");
  });

  it("names the variable that is missing, unreadable, alone or in conflict", () => {
    expect(field({ TRAINYARD_NATS_USER: "u" })).toBe("TRAINYARD_NATS_PASSWORD");
    expect(field({ TRAINYARD_NATS_PASSWORD: "p" })).toBe("TRAINYARD_NATS_USER");
    expect(field({ TRAINYARD_NATS_NKEY_FILE: seedFile, TRAINYARD_NATS_USER: "u", TRAINYARD_NATS_PASSWORD: "p" })).toBe("TRAINYARD_NATS_NKEY_FILE");
    expect(field({ TRAINYARD_NATS_NKEY_FILE: pem })).toBe("TRAINYARD_NATS_NKEY_FILE"); // no seed in it
    expect(field({ TRAINYARD_NATS_NKEY_FILE: path.join(dir, "absent") })).toBe("TRAINYARD_NATS_NKEY_FILE");
    expect(field({ TRAINYARD_NATS_TLS_CERT: pem })).toBe("TRAINYARD_NATS_TLS_KEY");
    expect(field({ TRAINYARD_NATS_TLS_CA: path.join(dir, "absent") })).toBe("TRAINYARD_NATS_TLS_CA");
  });
});
