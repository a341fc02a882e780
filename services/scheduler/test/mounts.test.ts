/** TaskSpec.mounts validation (core/mounts.ts, through validateSubmit): bad mounts are named, nothing else changes. */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "@trainyard/common";
import { MountType, SubmitRequestSchema, type MountSchema } from "@trainyard/client";
import { validateSubmit } from "../src/core/spec.js";
import { MOUNT_LIMITS } from "../src/core/mounts.js";
import { taskToProto } from "../src/api/convert.js";

type MountInit = Exclude<MessageInitShape<typeof MountSchema>, { $typeName: string }>;

const vol = (source: string, target: string, readOnly = false): MountInit => ({ type: MountType.VOLUME, source, target, readOnly });
const bind = (source: string, target: string, readOnly = false): MountInit => ({ type: MountType.BIND, source, target, readOnly });
const req = (...mounts: MountInit[]) => create(SubmitRequestSchema, { spec: { image: "busybox", command: ["true"], mounts } });

function rejection(r: ReturnType<typeof req>): InvalidArgumentError {
  try {
    validateSubmit(r);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
  throw new Error("validateSubmit accepted the request");
}

describe("validateSubmit rejects bad mounts, naming the field", () => {
  const ok = vol("data", "/data");
  it.each<[string, ReturnType<typeof req>, string]>([
    ["type unspecified", req({ source: "data", target: "/data" }), "spec.mounts[0].type"],
    ["empty target", req(vol("data", "")), "spec.mounts[0].target"],
    ["relative target", req(vol("data", "data")), "spec.mounts[0].target"],
    ["target /", req(vol("data", "/")), "spec.mounts[0].target"],
    ["target with ..", req(vol("data", "/data/../etc")), "spec.mounts[0].target"],
    ["target with //", req(vol("data", "/a//b")), "spec.mounts[0].target"],
    ["target with a trailing slash", req(vol("data", "/data/")), "spec.mounts[0].target"],
    ["target with /./", req(vol("data", "/a/./b")), "spec.mounts[0].target"],
    ["target with a NUL byte", req(vol("data", "/da\0ta")), "spec.mounts[0].target"],
    ["target too long", req(vol("data", `/${"a".repeat(MOUNT_LIMITS.path)}`)), "spec.mounts[0].target"],
    ["second mount on the same target", req(ok, bind("/srv/x", "/data")), "spec.mounts[1].target"],
    ["empty volume name", req(ok, vol("", "/v")), "spec.mounts[1].source"],
    ["one-character volume name (Docker needs two)", req(vol("a", "/v")), "spec.mounts[0].source"],
    ["volume name with a slash", req(vol("a/b", "/v")), "spec.mounts[0].source"],
    ["volume name starting with a dot", req(vol(".hidden", "/v")), "spec.mounts[0].source"],
    ["volume name with a space", req(vol("my vol", "/v")), "spec.mounts[0].source"],
    ["volume name of 256 characters", req(vol("v".repeat(256), "/v")), "spec.mounts[0].source"],
    ["empty bind source", req(bind("", "/v")), "spec.mounts[0].source"],
    ["relative bind source", req(ok, bind("data", "/v")), "spec.mounts[1].source"],
    ["bind source with a newline", req(bind("/data\n", "/v")), "spec.mounts[0].source"],
    [`${MOUNT_LIMITS.mounts + 1} mounts`, req(...Array.from({ length: MOUNT_LIMITS.mounts + 1 }, (_, i) => vol(`v${i}x`, `/m${i}`))), "spec.mounts"],
  ])("%s → %s", (_, r, field) => {
    const e = rejection(r);
    expect(e.field).toBe(field);
    expect(e.message.startsWith(`${field}: `)).toBe(true);
  });

  it("says which earlier mount has the same target", () => {
    expect(rejection(req(ok, vol("other", "/x"), vol("third", "/data"))).message).toBe(
      'spec.mounts[2].target: "/data" is also the target of spec.mounts[0]',
    );
  });

  it("suggests the normalized target", () => {
    expect(rejection(req(vol("data", "/a/b/../c/"))).message).toContain('(write "/a/c")');
  });
});

describe("validateSubmit accepts good mounts", () => {
  it("keeps volumes and binds in order, with read_only", () => {
    const { spec } = validateSubmit(
      req(vol("ckpt", "/checkpoints"), bind("/srv/data/../data", "/data", true), vol("a_b.c-9", "/opt/x y")),
    );
    expect(spec.mounts).toEqual([
      { type: "volume", source: "ckpt", target: "/checkpoints", readOnly: false },
      // The host path is the agent's to resolve (on its own host), so it is stored as given.
      { type: "bind", source: "/srv/data/../data", target: "/data", readOnly: true },
      { type: "volume", source: "a_b.c-9", target: "/opt/x y", readOnly: false },
    ]);
  });

  it("stores no mounts field when there are none", () => {
    expect(validateSubmit(req()).spec).not.toHaveProperty("mounts");
  });

  it(`accepts ${MOUNT_LIMITS.mounts} mounts and a 255-character volume name`, () => {
    const many = Array.from({ length: MOUNT_LIMITS.mounts - 1 }, (_, i) => vol(`v${i}x`, `/m${i}`));
    expect(validateSubmit(req(...many, vol("v".repeat(255), "/long"))).spec.mounts).toHaveLength(MOUNT_LIMITS.mounts);
  });
});

describe("taskToProto returns the stored mounts", () => {
  it("maps type, source, target and read_only back to trainyard.v1.Mount", () => {
    const { spec } = validateSubmit(req(vol("ckpt", "/checkpoints"), bind("/srv/data", "/data", true)));
    const record = { id: "t-1", spec, state: "PENDING" as const, attempts: [{ number: 1, state: "PENDING" as const, notBefore: 0 }], message: "", createTime: 0 };
    expect(taskToProto(record).spec!.mounts.map((m) => [m.type, m.source, m.target, m.readOnly])).toEqual([
      [MountType.VOLUME, "ckpt", "/checkpoints", false],
      [MountType.BIND, "/srv/data", "/data", true],
    ]);
    expect(taskToProto({ ...record, spec: { ...spec, mounts: undefined } }).spec!.mounts).toEqual([]);
  });
});
