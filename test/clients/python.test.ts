// The Python client (clients/python) against a live cluster: the package is installed offline
// with pip into a temporary directory (Debian's python3-grpcio / python3-protobuf are the
// runtime), then its unittest suite runs with /usr/bin/python3 and TRAINYARD_ADDR pointing at
// this cluster's scheduler. The suite includes the check that the committed generated code
// matches proto/ (clients/python/tests/test_generated.py).
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type TestCluster } from "../harness/cluster.js";
import { TEST_IMAGE } from "../harness/docker.js";

const PYTHON = "/usr/bin/python3";
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const clientDir = path.join(repo, "clients/python");

interface Run {
  code: number | null;
  output: string;
}

/** Runs a command to its end (killed after `timeoutMs`), stdout and stderr interleaved. */
function run(args: string[], env: Record<string, string>, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(args[0]!, args.slice(1), {
      cwd: repo,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]\n`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function expectOk(what: string, r: Run) {
  if (r.code !== 0) console.error(`${what} failed (exit ${r.code}):\n${r.output}`);
  expect(r.code, `${what}: exit code (output above)`).toBe(0);
}

let c: TestCluster;
let tmp: string;
let site: string;
beforeAll(async () => {
  c = await startCluster("python-client", { agents: [{ slots: 4 }] });
  tmp = mkdtempSync(path.join(os.tmpdir(), "trainyard-python-"));
  site = path.join(tmp, "site");
});
afterAll(async () => {
  await c?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("Python client", () => {
  it("installs offline with pip (no index, Debian's setuptools)", async () => {
    // From a copy, so the build's build/ and *.egg-info never land in the source tree.
    const src = path.join(tmp, "src");
    cpSync(clientDir, src, { recursive: true, filter: (p) => !/(__pycache__|\.egg-info|[/\\]build)$/.test(p) });
    const r = await run(
      [PYTHON, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-index", "--no-deps", "--no-cache-dir",
        "--disable-pip-version-check", "--root-user-action=ignore", "--target", site, src],
      {},
      120_000,
    );
    expectOk("pip install", r);
    for (const f of ["py.typed", "client.py", "_gen/trainyard/v1/scheduler_pb2_grpc.py", "_gen/trainyard/v1/task_pb2.pyi"]) {
      expect(existsSync(path.join(site, "trainyard_client", f)), f).toBe(true);
    }
  });

  it("passes its unittest suite against a live scheduler", async () => {
    expect(existsSync(site), "installed by the previous test").toBe(true);
    const r = await run(
      [PYTHON, "-m", "unittest", "discover", "-s", "clients/python/tests", "-v"],
      { PYTHONPATH: site, TRAINYARD_ADDR: new URL(c.scheduler.url).host, TRAINYARD_TEST_IMAGE: TEST_IMAGE },
      150_000,
    );
    expectOk("python -m unittest", r);
    expect(r.output).toMatch(/\nOK\b/);
    console.log(process.env.TRAINYARD_TEST_LOG === "stderr" ? r.output : r.output.match(/^Ran \d+ tests? in .*$/m)?.[0]);
  }, 180_000);
});
