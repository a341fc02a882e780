// How DockerRuntime tells a permanent pull failure from a transient one (runtime/docker-pull.ts):
// from the Engine's status codes only. What the real Engine answers for each registry failure is
// checked in test/runtime-contract.test.ts.
import { describe, expect, it } from "vitest";
import { ImagePullError } from "../../src/runtime/container-runtime.js";
import { isPermanentStatus, requestPullError, streamPullError, type PullEvent } from "../../src/runtime/docker-pull.js";

/** An error shaped like dockerode's for an HTTP answer. */
const answered = (statusCode: number, message: string) => Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json: { message } });

describe("pull failure classification", () => {
  it.each([
    [400, true],
    [401, true],
    [403, true],
    [404, true],
    [408, false],
    [429, false],
    [500, false],
    [502, false],
    [503, false],
    [undefined, false],
  ])("HTTP status %s: permanent %s", (status, permanent) => {
    expect(isPermanentStatus(status)).toBe(permanent);
  });

  it("a request answered 404 is permanent, with the Engine's message and the error as cause", () => {
    const cause = answered(404, "manifest for x:1 not found: manifest unknown: manifest unknown");
    const e = requestPullError(cause);
    expect(e).toBeInstanceOf(ImagePullError);
    expect(e).toMatchObject({ permanent: true, message: "manifest for x:1 not found: manifest unknown: manifest unknown", cause });
  });

  it("a request answered 500 is transient whatever its message says", () => {
    expect(requestPullError(answered(500, "unauthorized: authentication required")).permanent).toBe(false);
    expect(requestPullError(answered(500, "manifest unknown")).permanent).toBe(false);
  });

  it("a request that got no answer (engine unreachable) is transient", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED /var/run/docker.sock"), { code: "ECONNREFUSED" });
    expect(requestPullError(refused)).toMatchObject({ permanent: false, message: "connect ECONNREFUSED /var/run/docker.sock" });
  });

  it.each<[PullEvent, boolean]>([
    [{ errorDetail: { code: 404, message: "not found" }, error: "not found" }, true],
    [{ errorDetail: { code: 401, message: "unauthorized" } }, true],
    [{ errorDetail: { code: 503, message: "unavailable" } }, false],
    [{ errorDetail: { message: "error pulling image configuration: unknown blob" }, error: "error pulling image configuration: unknown blob" }, false],
    [{ error: "denied: requested access to the resource is denied" }, false],
  ])("stream error %j: permanent %s", (ev, permanent) => {
    const e = streamPullError(ev);
    expect(e).toBeInstanceOf(ImagePullError);
    expect(e!.permanent).toBe(permanent);
    expect(e!.message).toBe(ev.errorDetail?.message ?? ev.error);
  });

  it("progress lines are not errors", () => {
    expect(streamPullError({ status: "Downloading", id: "abc", progressDetail: { current: 1, total: 2 } })).toBeUndefined();
  });
});
