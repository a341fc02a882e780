// Self-test of the test harness: nats-server lifecycle and the local Docker Engine + test image.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import net from "node:net";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { TEST_IMAGE, dockerAvailable, listContainers, removeContainers } from "./docker.js";
import { readNatsInfo, startNats } from "./nats.js";

const run = promisify(execFile);

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

describe("nats harness", () => {
  it("starts nats-server with JetStream, restarts it on the same port and store, stops it", async () => {
    const nats = await startNats();
    try {
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      const info = await readNatsInfo(nats.port);
      expect(info.jetstream).toBe(true);
      const pid1 = nats.pid;

      await nats.restart();
      expect(nats.pid).not.toBe(pid1);
      const info2 = await readNatsInfo(nats.port);
      expect(info2.jetstream).toBe(true);

      // Fault-test path: hard kill, then restart.
      nats.kill();
      await expect.poll(() => nats.running).toBe(false);
      await nats.restart();
      expect((await readNatsInfo(nats.port)).jetstream).toBe(true);
      expect(existsSync(`${nats.storeDir}/jetstream`)).toBe(true);
      expect(readFileSync(nats.logFile, "utf8")).toContain("Server is ready");
    } finally {
      await nats.stop();
    }
    expect(existsSync(nats.storeDir)).toBe(false);
    expect(await portAccepts(nats.port)).toBe(false);
    await nats.stop(); // idempotent
  });
});

describe("docker harness", () => {
  it("reaches the Docker Engine", async () => {
    await dockerAvailable();
  });

  it("runs the local test image without network", async () => {
    const { stdout } = await run("docker", ["run", "--rm", "--network", "none", TEST_IMAGE, "sh", "-c", "echo hi"]);
    expect(stdout).toBe("hi\n");
    const asNobody = await run("docker", [
      "run", "--rm", "--network", "none", "--user", "nobody", TEST_IMAGE,
      "sh", "-c", "id -u && touch /tmp/ok && wget --help >/dev/null 2>&1; echo applets=$?",
    ]);
    expect(asNobody.stdout).toBe("65534\napplets=0\n");
  });

  it("lists containers by label", async () => {
    expect(Array.isArray(await listContainers("trainyard.task"))).toBe(true);

    // A label of its own, so that other suites' "no trainyard.task container left" checks are unaffected.
    const label = `trainyard.harness-selftest=${randomUUID()}`;
    const { stdout } = await run("docker", ["create", "--network", "none", "--label", label, TEST_IMAGE, "true"]);
    const id = stdout.trim();
    try {
      expect(await listContainers(label)).toEqual([id]);
    } finally {
      expect(await removeContainers(label)).toEqual([id]);
    }
    expect(await listContainers(label)).toEqual([]);
  });
});
