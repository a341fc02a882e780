/**
 * `npm run nats-conf -- --out DIR --agent ID[:POOL,POOL] ...`: writes DIR/nats-server.conf (for
 * `nats-server -c`) and one nkey seed file per user, DIR/<user>.nk (mode 0600): admin (for
 * operators and the nats CLI), scheduler, and agent-<ID> for each --agent. Run it again with
 * more agents: seeds already in DIR are kept, so running services keep working.
 *
 *   --agent ID[:POOLS]   an agent's node id (TRAINYARD_AGENT_ID) and its pools (TRAINYARD_POOLS,
 *                        comma separated; default "default"); repeat for each agent
 *   --tls-cert F --tls-key F [--tls-ca F] [--tls-verify]
 *                        clients connect over TLS; with --tls-verify they need a certificate
 *                        --tls-ca signed (paths as nats-server sees them)
 *   --routes H:P,H:P,... a cluster: every server's cluster address (this file serves them all;
 *                        give each its own --server_name); --cluster-name, --cluster-listen
 *   --owner USER=UID[:GID]  hand USER's seed file to that uid (a service that runs as another
 *                        user than this script, e.g. the scheduler image's `node`, 1000)
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import { nkeys } from "@nats-io/transport-node";
import { NODE_ID, POOL_NAME } from "../names.js";
import { agentUserName, SCHEDULER_USER, serverConf, users, type AgentEntry, type ServerConfInput } from "./server-conf.js";

function main(argv: string[]): void {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      out: { type: "string" },
      agent: { type: "string", multiple: true, default: [] },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "tls-ca": { type: "string" },
      "tls-verify": { type: "boolean", default: false },
      routes: { type: "string" },
      "cluster-name": { type: "string", default: "trainyard" },
      "cluster-listen": { type: "string", default: "0.0.0.0:6222" },
      owner: { type: "string", multiple: true, default: [] },
    },
  });
  const out = v.out;
  if (!out) throw new Error("--out DIR is required");
  const agents = v.agent.map(parseAgent);
  if (!v["tls-cert"] !== !v["tls-key"]) throw new Error("--tls-cert and --tls-key go together");
  if (v["tls-verify"] && !v["tls-ca"]) throw new Error("--tls-verify needs --tls-ca");
  mkdirSync(out, { recursive: true });

  const publicKeys: Record<string, string> = {};
  for (const u of users(agents)) publicKeys[u.name] = seedFor(out, u.name);
  for (const o of v.owner) {
    const m = /^([^=]+)=(\d+)(?::(\d+))?$/.exec(o);
    if (!m || !(m[1]! in publicKeys)) throw new Error(`--owner ${o}: expected USER=UID[:GID] for one of ${Object.keys(publicKeys).join(", ")}`);
    chownSync(path.join(out, `${m[1]}.nk`), Number(m[2]), Number(m[3] ?? m[2]));
  }
  const input: ServerConfInput = { publicKeys, agents };
  if (v["tls-cert"] && v["tls-key"]) {
    input.tls = { certFile: v["tls-cert"], keyFile: v["tls-key"], ...(v["tls-ca"] ? { caFile: v["tls-ca"] } : {}), verify: v["tls-verify"] };
  }
  if (v.routes) {
    const routes = v.routes.split(",").map((r) => r.trim()).filter(Boolean);
    input.cluster = { name: v["cluster-name"], listen: v["cluster-listen"], routes, password: secretFor(out, "route.password") };
  }
  const conf = path.join(out, "nats-server.conf");
  writeFileSync(conf, serverConf(input), { mode: 0o600 });
  chmodSync(conf, 0o600);
  process.stdout.write(
    [
      `wrote ${conf} (nats-server -c ${conf} -js ...) and the seeds of ${Object.keys(publicKeys).join(", ")}`,
      `scheduler: TRAINYARD_NATS_NKEY_FILE=${path.join(out, `${SCHEDULER_USER}.nk`)}`,
      ...agents.map((a) => `agent ${a.nodeId}: TRAINYARD_AGENT_ID=${a.nodeId} TRAINYARD_POOLS=${a.pools.join(",")} TRAINYARD_NATS_NKEY_FILE=${path.join(out, `${agentUserName(a.nodeId)}.nk`)}`),
      "",
    ].join("\n"),
  );
}

function parseAgent(arg: string): AgentEntry {
  const [nodeId = "", pools = "default"] = arg.split(":", 2);
  if (!NODE_ID.test(nodeId)) throw new Error(`--agent ${arg}: the node id must be 1 to 64 letters, digits, "-" or "_"`);
  const list = pools.split(",").map((p) => p.trim()).filter(Boolean);
  const bad = list.find((p) => !POOL_NAME.test(p));
  if (bad !== undefined || list.length === 0) throw new Error(`--agent ${arg}: pools are letters, digits, "_" and "-", comma separated`);
  return { nodeId, pools: list };
}

/** The public key of `user`, whose seed is in DIR/<user>.nk (created when missing, else kept). */
function seedFor(dir: string, user: string): string {
  const file = path.join(dir, `${user}.nk`);
  if (existsSync(file)) return nkeys.fromSeed(new TextEncoder().encode(readFileSync(file, "utf8").trim())).getPublicKey();
  const kp = nkeys.createUser();
  writeFileSync(file, `${new TextDecoder().decode(kp.getSeed())}\n`, { mode: 0o600 });
  return kp.getPublicKey();
}

/** A random secret kept in DIR/<name> across runs. */
function secretFor(dir: string, name: string): string {
  const file = path.join(dir, name);
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`nats-conf: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
