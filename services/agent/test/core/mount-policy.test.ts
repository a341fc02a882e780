/** Which mounts a task may have (core/mount-policy.ts): host path prefixes on whole components; Trainyard's volumes only. */
import { describe, expect, it } from "vitest";
import { isUnder, parseAllowedHostPaths, volumeRefusal } from "../../src/core/mount-policy.js";

describe("isUnder (whole path components)", () => {
  it.each<[string, string, boolean]>([
    ["/data", "/data", true],
    ["/data/x", "/data", true],
    ["/data/x/y", "/data/", true],
    ["/database", "/data", false],
    ["/data-old/x", "/data", false],
    ["/dat", "/data", false],
    ["/etc", "/data", false],
    ["/anything", "/", true],
  ])("%s under %s → %s", (p, prefix, want) => {
    expect(isUnder(p, prefix)).toBe(want);
  });
});

describe("parseAllowedHostPaths", () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ["", []],
    [" , ", []],
    ["/data", ["/data"]],
    [" /data , /srv/x ,", ["/data", "/srv/x"]],
  ])("%j → %j", (raw, want) => {
    expect(parseAllowedHostPaths(raw)).toEqual(want);
  });

  it("refuses a relative entry at start-up", () => {
    expect(() => parseAllowedHostPaths("/data,data")).toThrow(/"data" is not an absolute path/);
  });
});

describe("volumeRefusal", () => {
  it.each([
    [null, null],
    [{}, "refused"],
    [{ "com.example": "1" }, "refused"],
    [{ "trainyard.volume.created-by-task": "t-1" }, null],
    [{ "trainyard.volume.shared": "1" }, null],
    [{ "trainyard.volumex": "1" }, "refused"],
  ])("volumeRefusal(labels %j): %s", (labels, expected) => {
    const why = volumeRefusal("v", labels, "default");
    expect(why === null ? null : "refused").toBe(expected);
  });

  it.each([
    ["a volume this namespace's task made", { "trainyard.volume.created-by-task": "t-1", "trainyard.volume.namespace": "team-a" }, "team-a", null],
    ["a volume another namespace's task made", { "trainyard.volume.created-by-task": "t-1", "trainyard.volume.namespace": "team-b" }, "team-a", "volume v belongs to another namespace"],
    ["a volume an operator shared", { "trainyard.volume.shared": "1" }, "team-a", null],
    ["a volume made before namespaces (default's)", { "trainyard.volume.created-by-task": "t-1" }, "default", null],
    ["a volume made before namespaces, for another namespace", { "trainyard.volume.created-by-task": "t-1" }, "team-a", "volume v belongs to another namespace"],
    ["no such volume yet (it will be this namespace's)", null, "team-a", null],
  ])("namespaces: %s", (_, labels, namespace, why) => {
    expect(volumeRefusal("v", labels, namespace)).toBe(why);
  });
});
