/** Mount checks on a real filesystem (runner/resolve-mounts.ts): prefixes on whole components, after realpath. */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHostPath, MountRefusedError, resolveMounts } from "../../src/runner/resolve-mounts.js";

describe("checkHostPath on a real filesystem", () => {
  // root/allowed/{sub, link-out -> ../secret, link-in -> sub}, root/allowed-not/x, root/secret
  let root: string;
  let allowed: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(path.join(os.tmpdir(), "trainyard-hostpaths-")));
    allowed = path.join(root, "allowed");
    mkdirSync(path.join(allowed, "sub"), { recursive: true });
    mkdirSync(path.join(root, "allowed-not", "x"), { recursive: true });
    mkdirSync(path.join(root, "secret"));
    writeFileSync(path.join(root, "secret", "key"), "k");
    symlinkSync("../secret", path.join(allowed, "link-out"));
    symlinkSync("sub", path.join(allowed, "link-in"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("allows the prefix itself and paths below it, returning the resolved path", async () => {
    expect(await checkHostPath(allowed, [allowed])).toEqual({ ok: true, path: allowed });
    expect(await checkHostPath(path.join(allowed, "sub"), [allowed])).toEqual({ ok: true, path: path.join(allowed, "sub") });
    expect(await checkHostPath(path.join(allowed, "link-in"), [allowed])).toEqual({ ok: true, path: path.join(allowed, "sub") });
  });

  it("refuses a sibling that merely shares the prefix's characters", async () => {
    const r = await checkHostPath(path.join(root, "allowed-not", "x"), [allowed]);
    expect(r).toEqual({ ok: false, reason: `host path ${root}/allowed-not/x is not under TRAINYARD_ALLOWED_HOST_PATHS (${allowed})` });
  });

  it("resolves .. before the check", async () => {
    const r = await checkHostPath(`${allowed}/sub/../../secret`, [allowed]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(`(resolves to ${root}/secret) is not under`);
  });

  it("resolves symlinks before the check: a link under the prefix pointing out of it is refused", async () => {
    const r = await checkHostPath(path.join(allowed, "link-out"), [allowed]);
    expect(r).toEqual({
      ok: false,
      reason: `host path ${allowed}/link-out (resolves to ${root}/secret) is not under TRAINYARD_ALLOWED_HOST_PATHS (${allowed})`,
    });
  });

  it("resolves the allowed prefixes too (a prefix given through a symlink still matches)", async () => {
    const viaLink = path.join(root, "via-link");
    symlinkSync(allowed, viaLink);
    expect(await checkHostPath(path.join(allowed, "sub"), [viaLink])).toEqual({ ok: true, path: path.join(allowed, "sub") });
  });

  it("refuses everything when the allowlist is empty", async () => {
    expect(await checkHostPath(allowed, [])).toEqual({
      ok: false,
      reason: `host path ${allowed} is not under TRAINYARD_ALLOWED_HOST_PATHS (empty: no host paths allowed)`,
    });
  });

  it("refuses a path that does not exist", async () => {
    expect(await checkHostPath(path.join(allowed, "missing"), [allowed])).toEqual({
      ok: false,
      reason: `host path ${allowed}/missing does not exist on this host`,
    });
  });

  it("resolveMounts names the refused mount and keeps allowed volumes as they are", async () => {
    const none = async () => null;
    const mounts = [
      { type: "volume" as const, source: "ckpt", target: "/c", readOnly: false },
      { type: "bind" as const, source: `${allowed}/link-in`, target: "/d", readOnly: true },
    ];
    expect(await resolveMounts(mounts, [allowed], none)).toEqual([mounts[0], { ...mounts[1], source: `${allowed}/sub` }]);
    const refused = resolveMounts([...mounts, { type: "bind", source: "/etc", target: "/e", readOnly: true }], ["/data"], none);
    await expect(refused).rejects.toBeInstanceOf(MountRefusedError);
    await expect(resolveMounts([{ type: "bind", source: "/etc", target: "/e", readOnly: true }], ["/data"], none)).rejects.toThrow(
      "mount spec.mounts[0]: host path /etc is not under TRAINYARD_ALLOWED_HOST_PATHS (/data)",
    );
    await expect(resolveMounts(mounts, [allowed], async () => ({ "com.docker.compose.project": "x" }))).rejects.toThrow(
      "mount spec.mounts[0]: volume ckpt exists and is not Trainyard's",
    );
  });

});
