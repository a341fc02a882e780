/** Subjects that bind identity: the node ends an agent's subjects, and readers take it from there. */
import { describe, expect, it } from "vitest";
import { headers } from "@nats-io/transport-node";
import { decodeFrame, frameHeaders } from "../../src/logs/frame-codec.js";
import { attemptLogSubject, eventSubject, parseEventSubject, parseLogSubject, schedulerLogSubject } from "../../src/nats/names.js";

describe("event subjects", () => {
  it("name the task and the node, and parse back", () => {
    expect(eventSubject("t-1", "gpu-7")).toBe("trainyard.events.t-1.gpu-7");
    expect(parseEventSubject("trainyard.events.t-1.gpu-7")).toEqual({ taskId: "t-1", nodeId: "gpu-7" });
    expect(parseEventSubject("trainyard.events.t-1")).toEqual({ taskId: "t-1" }); // from before node ids
    for (const bad of ["trainyard.events", "trainyard.events.t-1.a.b", "trainyard.logs.t-1.a", "other.events.t-1.a"]) expect(parseEventSubject(bad), bad).toBeNull();
  });
});

describe("log subjects", () => {
  it("tell the scheduler's lines from an agent's frames, with its attempt and node", () => {
    expect(parseLogSubject(schedulerLogSubject("t-1"))).toEqual({ scheduler: true });
    expect(parseLogSubject(attemptLogSubject("t-1", 2, "gpu-7"))).toEqual({ attempt: 2, nodeId: "gpu-7" });
    expect(parseLogSubject("trainyard.logs.t-1.2")).toEqual({ attempt: 2 });
    for (const bad of ["trainyard.logs.t-1", "trainyard.logs.t-1.x", "trainyard.logs.t-1.0", "trainyard.logs.t-1.1.a.b", "other.logs.t-1.s"]) expect(parseLogSubject(bad), bad).toBeNull();
    // Five tokens: an agent's, whatever the attempt token says (attempt 0 is nobody's).
    for (const odd of ["trainyard.logs.t-1.s.a", "trainyard.logs.t-1.0.a", "trainyard.logs.t-1.x.a", "trainyard.logs.t-1.01.a"]) expect(parseLogSubject(odd), odd).toEqual({ attempt: 0, nodeId: "a" });
  });

  it("decodeFrame takes an agent frame's attempt and node from the subject, never its headers, and only the scheduler fences", () => {
    const h = frameHeaders(9, "stdout", 1_000, undefined, true);
    const agent = decodeFrame({ seq: 5, subject: attemptLogSubject("t-1", 2, "gpu-7"), headers: h, data: new Uint8Array() });
    expect(agent).toMatchObject({ seq: 5, attempt: 2, nodeId: "gpu-7", stream: "stdout" });
    expect(agent.fence).toBeUndefined();
    const line = decodeFrame({ seq: 6, subject: schedulerLogSubject("t-1"), headers: h, data: new Uint8Array() });
    expect(line).toMatchObject({ attempt: 9, fence: true });
    expect(line.nodeId).toBeUndefined();
    expect(decodeFrame({ seq: 7, subject: "trainyard.logs.t-1.3", headers: headers(), data: new Uint8Array() })).toMatchObject({ attempt: 3 });
    // An agent's frame on ".s.<node>" is not a scheduler line: attempt 0, its node, no fence.
    const forged = decodeFrame({ seq: 8, subject: "trainyard.logs.t-1.s.evil", headers: h, data: new Uint8Array() });
    expect(forged).toMatchObject({ attempt: 0, nodeId: "evil" });
    expect(forged.fence).toBeUndefined();
  });
});
