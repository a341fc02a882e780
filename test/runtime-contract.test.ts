// The ContainerRuntime contract (services/agent/test/runtime/contract.ts) on the real Docker
// Engine through DockerRuntime: the same cases FakeRuntime passes in the unit suite. Behaviours
// are busybox scripts (sh-behaviour.ts); pulls go to a registry this suite runs on 127.0.0.1
// (harness/registry.ts) or to a closed loopback port. Everything it makes carries its label and
// is removed in afterAll: containers, volumes, the pulled image.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerRuntime } from "@trainyard/agent/runtime/docker-runtime";
import { ImagePullError } from "@trainyard/agent/runtime/container-runtime";
import { runtimeContract, type ContractTarget } from "../services/agent/test/runtime/contract.js";
import { shSpec } from "../services/agent/test/runtime/sh-behaviour.js";
import { dockerAvailable, dockerRequest, removeContainers, removeVolumes, TEST_IMAGE } from "./harness/docker.js";
import { startRegistry, type TestRegistry } from "./harness/registry.js";

const prefix = `ty-contract-${randomBytes(4).toString("hex")}`;
const label = `trainyard.contract=${prefix}`;
const runtime = new DockerRuntime();
let registry: TestRegistry;
let emptyDir: string;
let target: ContractTarget;

beforeAll(async () => {
  await dockerAvailable();
  registry = await startRegistry();
  emptyDir = mkdtempSync(path.join(os.tmpdir(), "ty-contract-"));
  const r = registry.host;
  await dockerRequest("DELETE", `/images/${encodeURIComponent(`${r}/tiny:1`)}?force=1`); // a leftover of a run on the same port
  target = {
    runtime,
    spec: (name, b, labels = {}) => shSpec({ image: TEST_IMAGE, emptyDir }, name, b, { "trainyard.contract": prefix, ...labels }),
    prefix,
    label,
    images: {
      present: TEST_IMAGE,
      absent: "trainyard/absent:never-built",
      pullable: `${r}/tiny:1`,
      missing: `${r}/missing:1`,
      denied: `${r}/denied:1`,
      unreachable: "127.0.0.1:5999/trainyard/missing:1",
      broken: `${r}/broken:1`,
      hanging: `${r}/hang:1`,
    },
  };
});

afterAll(async () => {
  await removeContainers(label);
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const res = await dockerRequest("GET", `/volumes?filters=${filters}`);
  await removeVolumes(((JSON.parse(res.body) as { Volumes: { Name: string }[] | null }).Volumes ?? []).map((v) => v.Name));
  if (registry) await dockerRequest("DELETE", `/images/${encodeURIComponent(`${registry.host}/tiny:1`)}?force=1`);
  await registry?.close();
  if (emptyDir) rmSync(emptyDir, { recursive: true, force: true });
});

runtimeContract("ContainerRuntime contract on the Docker Engine", () => target);

describe("Docker Engine pull answers", () => {
  // What the pull classification (runtime/docker-pull.ts) rests on, as this Engine answers:
  // the HTTP status of POST /images/create, or an error inside its 200 stream. A change here
  // (a new Engine) changes which pull failures are retried: look before updating.
  const statusOf = async (ref: string) => {
    const err = await runtime.pull(ref, () => {}, AbortSignal.timeout(30_000)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImagePullError);
    const cause = (err as ImagePullError).cause as { statusCode?: number; errorDetail?: unknown };
    return { status: cause.statusCode ?? (cause.errorDetail ? "in the stream" : "none"), permanent: (err as ImagePullError).permanent };
  };

  it("answers a missing manifest and a denied repository 404 (permanent), a bad reference 400 (permanent); a closed port and a registry's 401 500, a missing blob in the stream (transient)", async () => {
    const r = registry.host;
    expect(await statusOf(`${r}/missing:1`)).toEqual({ status: 404, permanent: true });
    expect(await statusOf(`${r}/denied:1`)).toEqual({ status: 404, permanent: true });
    expect(await statusOf("127.0.0.1:5999/trainyard/missing:1")).toEqual({ status: 500, permanent: false });
    // Engine 20.10 maps only DENIED, MANIFEST_UNKNOWN and NAME_UNKNOWN to 404; a registry's
    // 401 (no token challenge) becomes 500: transient, where the old message regex said permanent.
    expect(await statusOf(`${r}/private:1`)).toEqual({ status: 500, permanent: false });
    expect(await statusOf(`${r}/broken:1`)).toEqual({ status: "in the stream", permanent: false });
    expect(await statusOf("Not A Valid Reference")).toEqual({ status: 400, permanent: true });
  });
});
