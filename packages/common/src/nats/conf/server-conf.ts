/**
 * A nats-server configuration (2.9 and later) for Trainyard: one nkey user for operators
 * (`admin`, everything), one for the scheduler and one per agent, each with the permissions of
 * permissions.ts; optionally TLS for clients (and client certificates required) and an
 * authenticated cluster block for a 3-node cluster. Pure: keys and passwords come in, text
 * goes out (cli.ts writes the files).
 */
import { agentPermissions, schedulerPermissions, type Permissions } from "./permissions.js";

export interface AgentEntry {
  nodeId: string;
  pools: string[];
}

export interface ServerConfInput {
  /** Public nkeys ("U…") by user: "admin", "scheduler", and agentUserName(nodeId) for each agent. */
  publicKeys: Record<string, string>;
  agents: AgentEntry[];
  /** Paths as the server sees them; with `verify`, clients must present a certificate `caFile` signed. */
  tls?: { certFile: string; keyFile: string; caFile?: string; verify: boolean };
  /** Servers routed to each other ("host:port" of their cluster ports), with the routes' password. */
  cluster?: { name: string; listen: string; routes: string[]; password: string };
}

export const ADMIN_USER = "admin";
export const SCHEDULER_USER = "scheduler";
export const agentUserName = (nodeId: string) => `agent-${nodeId}`;

/** The users the configuration has, with their permissions (none: every subject). */
export function users(agents: AgentEntry[]): { name: string; permissions?: Permissions }[] {
  return [
    { name: ADMIN_USER },
    { name: SCHEDULER_USER, permissions: schedulerPermissions() },
    ...agents.map((a) => ({ name: agentUserName(a.nodeId), permissions: agentPermissions(a.nodeId) })),
  ];
}

export function serverConf(input: ServerConfInput): string {
  const q = (s: string) => JSON.stringify(s);
  const list = (xs: string[]) => `[${xs.map(q).join(", ")}]`;
  const lines = [
    "# Trainyard's NATS users and permissions, written by `npm run nats-conf` (docs/security.md#nats).",
    "# Each user is an nkey; its seed (the secret) is in <user>.nk next to this file.",
    "authorization {",
    "  users = [",
  ];
  for (const u of users(input.agents)) {
    const key = input.publicKeys[u.name];
    if (!key) throw new Error(`no public key for NATS user ${u.name}`);
    lines.push(`    # ${u.name}`);
    const p = u.permissions;
    lines.push(
      p
        ? `    { nkey: ${q(key)}, permissions: { publish: { allow: ${list(p.publish)} }, subscribe: { allow: ${list(p.subscribe)} } } }`
        : `    { nkey: ${q(key)} }`,
    );
  }
  lines.push("  ]", "}");
  if (input.tls) {
    const t = input.tls;
    lines.push(`tls { cert_file: ${q(t.certFile)}, key_file: ${q(t.keyFile)}${t.caFile ? `, ca_file: ${q(t.caFile)}` : ""}, verify: ${t.verify} }`);
  }
  if (input.cluster) {
    const c = input.cluster;
    const routes = c.routes.map((r) => `nats://route:${encodeURIComponent(c.password)}@${r}`);
    lines.push(`cluster { name: ${q(c.name)}, listen: ${q(c.listen)}, routes: ${list(routes)}, authorization { user: "route", password: ${q(c.password)} } }`);
  }
  return `${lines.join("\n")}\n`;
}
