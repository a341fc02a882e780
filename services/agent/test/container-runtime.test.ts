/** withDefaultTag (runtime/container-runtime.ts): what the agent pulls for an untagged image. */
import { describe, expect, it } from "vitest";
import { withDefaultTag } from "../src/runtime/container-runtime.js";

const digest = `sha256:${"ab".repeat(32)}`;

describe("withDefaultTag", () => {
  it.each([
    ["busybox", "busybox:latest"],
    ["library/busybox", "library/busybox:latest"],
    ["localhost/foo", "localhost/foo:latest"],
    ["127.0.0.1:5999/x/y", "127.0.0.1:5999/x/y:latest"],
    ["localhost:5000/foo", "localhost:5000/foo:latest"],
    ["busybox:1.36", "busybox:1.36"],
    ["127.0.0.1:5999/x/y:tag", "127.0.0.1:5999/x/y:tag"],
    [`busybox@${digest}`, `busybox@${digest}`],
    [`registry.example.com:5000/team/img@${digest}`, `registry.example.com:5000/team/img@${digest}`],
    [`busybox:1.36@${digest}`, `busybox:1.36@${digest}`],
  ])("%s → %s", (ref, expected) => {
    expect(withDefaultTag(ref)).toBe(expected);
  });
});
