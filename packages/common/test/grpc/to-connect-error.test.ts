import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { errors as nats } from "@nats-io/transport-node";
import { ConflictError, InvalidArgumentError, NotFoundError, TrainyardError, UnavailableError, type ErrorKind } from "../../src/errors.js";
import { toConnectError } from "../../src/grpc/index.js";

describe("toConnectError", () => {
  it("passes ConnectError through untouched", () => {
    const e = new ConnectError("x", Code.PermissionDenied);
    expect(toConnectError(e)).toBe(e);
  });

  it.each<[ErrorKind, Code]>([
    ["not_found", Code.NotFound],
    ["invalid_argument", Code.InvalidArgument],
    ["failed_precondition", Code.FailedPrecondition],
    ["already_exists", Code.AlreadyExists],
    ["resource_exhausted", Code.ResourceExhausted],
    ["unavailable", Code.Unavailable],
    ["aborted", Code.Aborted],
  ])("maps TrainyardError kind %s to %s keeping the message", (kind, code) => {
    const mapped = toConnectError(new TrainyardError(kind, "the message"));
    expect([mapped.code, mapped.rawMessage]).toEqual([code, "the message"]);
  });

  it("maps the subclasses by kind", () => {
    expect(toConnectError(new NotFoundError("task", "t")).code).toBe(Code.NotFound);
    expect(toConnectError(new InvalidArgumentError("spec.image", "required")).rawMessage).toBe("spec.image: required");
    expect(toConnectError(new UnavailableError("docker down")).code).toBe(Code.Unavailable);
    expect(toConnectError(new ConflictError("lost the race")).code).toBe(Code.Aborted);
  });

  it("turns an abort into the signal's ConnectError reason", () => {
    const ac = new AbortController();
    const reason = new ConnectError("server shutting down", Code.Unavailable);
    ac.abort(reason);
    expect(toConnectError(reason, ac.signal)).toBe(reason);
    expect(toConnectError(new DOMException("aborted", "AbortError"), ac.signal)).toBe(reason);
  });

  it("turns an AbortError without a ConnectError reason into CANCELED", () => {
    const ac = new AbortController();
    ac.abort();
    expect(toConnectError(ac.signal.reason, ac.signal).code).toBe(Code.Canceled);
    expect(toConnectError(new DOMException("aborted", "AbortError")).code).toBe(Code.Canceled);
  });

  it("turns an AbortSignal.timeout() into DEADLINE_EXCEEDED", () => {
    expect(toConnectError(new DOMException("timed out", "TimeoutError")).code).toBe(Code.DeadlineExceeded);
  });

  it.each([
    ["ClosedConnectionError", new nats.ClosedConnectionError()],
    ["DrainingConnectionError", new nats.DrainingConnectionError()],
    ["ConnectionError", new nats.ConnectionError("connection refused")],
    ["TimeoutError", new nats.TimeoutError()],
    ["RequestError(no responders)", new nats.RequestError("no responders", { cause: new nats.NoRespondersError("$JS.API.INFO") })],
    ["RequestError(connection closed)", new nats.RequestError("connection closed")],
    ["wrapped (JetStreamNotEnabled-like)", new Error("jetstream is not enabled", { cause: new nats.RequestError("x", { cause: new nats.NoRespondersError("s") }) })],
  ])("maps NATS %s to UNAVAILABLE 'NATS unavailable'", (_name, err) => {
    const mapped = toConnectError(err);
    expect([mapped.code, mapped.rawMessage]).toEqual([Code.Unavailable, "NATS unavailable"]);
  });

  it("keeps other NATS errors internal", () => {
    expect(toConnectError(new nats.PermissionViolationError("denied", "publish", "x")).code).toBe(Code.Internal);
  });

  it("hides anything else behind INTERNAL 'internal error', keeping the original as cause", () => {
    const original = new TypeError("cannot read properties of undefined");
    const mapped = toConnectError(original);
    expect([mapped.code, mapped.rawMessage, mapped.cause]).toEqual([Code.Internal, "internal error", original]);
    expect(toConnectError("a string").code).toBe(Code.Internal);
  });
});
