/** Image reference syntax (core/image-ref.ts), distribution/reference grammar. */
import { describe, expect, it } from "vitest";
import { imageReferenceError } from "../src/core/image-ref.js";

const digest = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("imageReferenceError", () => {
  it.each([
    "busybox",
    "busybox:1.36",
    "busybox:latest",
    "busybox:Latest_1.x-y",
    "library/busybox",
    "ghcr.io/org/team/img:v1",
    "127.0.0.1:5999/x/y:tag",
    `registry.example.com:5000/team/img@${digest}`,
    `busybox:1.36@${digest}`,
    `busybox@${digest}`,
    "localhost/foo",
    "localhost:5000/foo",
    "localhost:5000",
    "[::1]:5000/foo",
    "my_image",
    "my__image",
    "my---image",
    "a.b",
  ])("accepts %s", (ref) => {
    expect(imageReferenceError(ref)).toBeNull();
  });

  it.each([
    ["", "is required"],
    ["Busybox", "lower case"],
    ["library/Busybox", "lower case"],
    ["foo bar", "expected [registry/]name[:tag][@digest]"],
    ["foo:", "expected"],
    [":tag", "expected"],
    ["a//b", "expected"],
    ["/a", "expected"],
    ["a/", "expected"],
    ["foo@sha256:xyz", "expected"],
    ["foo@sha256:abc", "expected"],
    ["-foo", "expected"],
    ["foo-", "expected"],
    ["foo_-bar", "expected"],
    ["foo:-tag", "expected"],
    [`foo:${"t".repeat(129)}`, "expected"],
    ["foo:bar/baz", "expected"],
    ["a".repeat(513), "longer than 512"],
    [`${"a".repeat(256)}:t`, "longer than 255"],
  ])("rejects %j (%s)", (ref, why) => {
    expect(imageReferenceError(ref)).toContain(why);
  });
});
