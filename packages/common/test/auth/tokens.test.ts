/** The auth file and token checks (auth/tokens.ts), and who may call what (auth/rights.ts). */
import { describe, expect, it } from "vitest";
import { authenticate, mayCall, parseAuthFile, sha256, type Role } from "../../src/auth/index.js";

const ALICE = "alice-secret-0123456789";
const OPS = "ops-secret-0123456789abc";
const file = `
tokens:
  - { name: alice, token: "${ALICE}", role: submitter, namespace: team-a }
  - { name: ops, token_sha256: "${sha256(OPS).toString("hex")}", role: admin, namespace: "*" }
  - { name: old, token: "old-secret-0123456789", role: viewer, namespace: team-a, expires: 2026-01-01T00:00:00Z }
namespaces:
  team-a: { max_pending: 100, max_running: 8, max_gpus: 4 }
`;

describe("parseAuthFile", () => {
  it("reads tokens (plain or SHA-256; only digests kept), roles, namespaces, expiry and quotas", () => {
    const cfg = parseAuthFile(file);
    expect(cfg.tokens.map((t) => [t.name, t.role, t.namespace, t.expires])).toEqual([
      ["alice", "submitter", "team-a", undefined],
      ["ops", "admin", "*", undefined],
      ["old", "viewer", "team-a", Date.parse("2026-01-01T00:00:00Z")],
    ]);
    expect(cfg.tokens[0]!.sha256).toEqual(sha256(ALICE));
    expect(JSON.stringify(cfg)).not.toContain(ALICE);
    expect(cfg.namespaces).toEqual({ "team-a": { maxPending: 100, maxRunning: 8, maxGpus: 4 } });
  });

  it.each([
    ["not a mapping", "- a", /expected a mapping/],
    ["an unknown top-level key", "tokens: []\nusers: []", /unknown key "users"/],
    ["tokens not a list", "tokens: {}", /`tokens` must be a list/],
    ["no name", "tokens: [{ token: 0123456789abcdefgh, role: admin, namespace: a }]", /tokens\[0\]\.name: required/],
    ["both token and digest", `tokens: [{ name: a, token: 0123456789abcdefgh, token_sha256: "${"0".repeat(64)}", role: admin, namespace: a }]`, /exactly one of token, token_sha256/],
    ["a short token", "tokens: [{ name: a, token: short, role: admin, namespace: a }]", /at least 16 characters/],
    ["a bad digest", "tokens: [{ name: a, token_sha256: abc, role: admin, namespace: a }]", /64 hex digits/],
    ["an unknown role", "tokens: [{ name: a, token: 0123456789abcdefgh, role: root, namespace: a }]", /role: must be one of viewer, submitter, admin/],
    ["a bad namespace", "tokens: [{ name: a, token: 0123456789abcdefgh, role: admin, namespace: 'a b' }]", /namespace: must be "\*"/],
    ["a bad expiry", "tokens: [{ name: a, token: 0123456789abcdefgh, role: admin, namespace: a, expires: soon }]", /expires: must be a date/],
    ["an unknown token key", "tokens: [{ name: a, token: 0123456789abcdefgh, role: admin, namespace: a, roles: [x] }]", /unknown key "roles"/],
    ["a name used twice", "tokens: [{ name: a, token: 0123456789abcdefgh, role: admin, namespace: a }, { name: a, token: 0123456789abcdefgX, role: admin, namespace: a }]", /used twice/],
    ["a token used twice", "tokens: [{ name: a, token: 0123456789abcdefgh, role: admin, namespace: a }, { name: b, token: 0123456789abcdefgh, role: viewer, namespace: a }]", /same token/],
    ["an unknown quota", "tokens: []\nnamespaces: { a: { max_cpus: 3 } }", /unknown quota/],
    ["a negative quota", "tokens: []\nnamespaces: { a: { max_running: -1 } }", /whole number/],
  ])("refuses %s", (_, text, message) => {
    expect(() => parseAuthFile(text)).toThrow(message);
  });
});

describe("authenticate", () => {
  const cfg = parseAuthFile(file);
  const now = Date.parse("2026-12-01T00:00:00Z");

  it.each([
    ["a plain token", `Bearer ${ALICE}`, { name: "alice", role: "submitter", namespace: "team-a" }],
    ["a token kept as its digest", `Bearer ${OPS}`, { name: "ops", role: "admin", namespace: "*" }],
    ["the scheme in any case, spaces around", `bearer   ${ALICE} `, { name: "alice", role: "submitter", namespace: "team-a" }],
  ])("knows %s", (_, header, principal) => {
    expect(authenticate(cfg, header, now)).toEqual(principal);
  });

  it.each([
    ["no header", null, "no token"],
    ["another scheme", `Basic ${ALICE}`, "no token"],
    ["an unknown token", "Bearer not-a-token-of-ours-at-all", "unknown token"],
    ["an expired token", "Bearer old-secret-0123456789", "token expired"],
  ])("refuses %s: UNAUTHENTICATED", (_, header, message) => {
    expect(() => authenticate(cfg, header, now)).toThrow(expect.objectContaining({ kind: "unauthenticated", message: expect.stringContaining(message) }));
  });
});

describe("mayCall", () => {
  const S = "trainyard.v1.SchedulerService";
  const table: [string, string, Role[]][] = [
    [S, "Get", ["viewer", "submitter", "admin"]],
    [S, "List", ["viewer", "submitter", "admin"]],
    [S, "Watch", ["viewer", "submitter", "admin"]],
    [S, "StreamLogs", ["viewer", "submitter", "admin"]],
    [S, "GetEvents", ["viewer", "submitter", "admin"]],
    [S, "Submit", ["submitter", "admin"]],
    [S, "Cancel", ["submitter", "admin"]],
    [S, "DrainNode", ["admin"]],
    [S, "SomethingNew", ["admin"]],
    ["trainyard.v1.AgentService", "GetNode", ["admin"]],
    ["trainyard.v1.AgentService", "Drain", ["admin"]],
  ];
  it.each(table.flatMap(([svc, m, roles]) => (["viewer", "submitter", "admin"] as Role[]).map((r) => [`${r} ${m}`, svc, m, r, roles.includes(r)] as const)))(
    "%s: %s",
    (_, svc, method, role, allowed) => {
      expect(mayCall(role, svc, method)).toBe(allowed);
    },
  );
});
