import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBinary, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as v1 from "@trainyard/client/gen/grpc/reflection/v1/reflection_pb";
import * as v1alpha from "@trainyard/client/gen/grpc/reflection/v1alpha/reflection_pb";
import type { GrpcServer } from "../../src/grpc/index.js";
import { startSchedulerFixture } from "./fixture.js";

type Request = v1.ServerReflectionRequest["messageRequest"];

describe.each([
  ["v1", v1.ServerReflection],
  ["v1alpha", v1alpha.ServerReflection],
] as const)("server reflection %s", (_version, service: typeof v1.ServerReflection | typeof v1alpha.ServerReflection) => {
  let server: GrpcServer;
  beforeAll(async () => {
    server = await startSchedulerFixture();
  });
  afterAll(() => server.close(100));

  /** Send the requests on one bidi stream, return the message_response of each answer. */
  async function ask(...requests: Request[]) {
    const client = createClient(service as DescService as typeof v1.ServerReflection, createGrpcTransport({ baseUrl: server.url }));
    const out: v1.ServerReflectionResponse["messageResponse"][] = [];
    async function* reqs() {
      for (const messageRequest of requests) yield { host: "", messageRequest };
    }
    for await (const res of client.serverReflectionInfo(reqs())) out.push(res.messageResponse);
    return out;
  }

  const fileNames = (r: v1.ServerReflectionResponse["messageResponse"] | undefined): string[] => {
    if (r?.case !== "fileDescriptorResponse") throw new Error(`expected files, got ${r?.case}`);
    return r.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
  };

  it("lists our services, health and reflection", async () => {
    const [res] = await ask({ case: "listServices", value: "" });
    expect(res?.case === "listServicesResponse" && res.value.service.map((s) => s.name)).toEqual([
      "trainyard.v1.SchedulerService",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
  });

  it("answers file_containing_symbol for a service with its file and transitive imports, WKTs included", async () => {
    const [res] = await ask({ case: "fileContainingSymbol", value: "trainyard.v1.SchedulerService" });
    expect(fileNames(res)).toEqual([
      "trainyard/v1/scheduler.proto",
      "google/protobuf/duration.proto",
      "google/protobuf/timestamp.proto",
      "trainyard/v1/agent.proto",
      "trainyard/v1/task.proto",
    ]);
  });

  it("resolves methods, fields, enum values and WKT members to their file", async () => {
    const symbols = ["trainyard.v1.SchedulerService.Get", "trainyard.v1.GetRequest.task_id", "trainyard.v1.Task.spec", "trainyard.v1.TASK_STATE_UNSPECIFIED", "google.protobuf.Duration.seconds"];
    const answers = await ask(...symbols.map((value): Request => ({ case: "fileContainingSymbol", value })));
    expect(answers.map((a) => fileNames(a)?.[0])).toEqual([
      "trainyard/v1/scheduler.proto",
      "trainyard/v1/scheduler.proto",
      "trainyard/v1/task.proto",
      "trainyard/v1/task.proto",
      "google/protobuf/duration.proto",
    ]);
  });

  it("sends each import once per stream, but always the file asked for", async () => {
    const [first, second] = await ask(
      { case: "fileContainingSymbol", value: "trainyard.v1.SchedulerService" },
      { case: "fileByFilename", value: "trainyard/v1/task.proto" },
    );
    expect(fileNames(first)).toHaveLength(5);
    expect(fileNames(second)).toEqual(["trainyard/v1/task.proto"]);
  });

  it("answers file_by_filename", async () => {
    const [res] = await ask({ case: "fileByFilename", value: "grpc/health/v1/health.proto" });
    expect(fileNames(res)).toEqual(["grpc/health/v1/health.proto"]);
  });

  it("reports unknown symbols and files in-band as NOT_FOUND", async () => {
    const answers = await ask(
      { case: "fileContainingSymbol", value: "nope.v1.Nothing" },
      { case: "fileByFilename", value: "nope.proto" },
      { case: "allExtensionNumbersOfType", value: "nope.v1.Msg" },
    );
    for (const a of answers) expect(a.case === "errorResponse" && a.value.errorCode).toBe(5);
  });

  it("lists (no) extension numbers of a known message", async () => {
    const [res] = await ask({ case: "allExtensionNumbersOfType", value: "trainyard.v1.Task" });
    expect(res).toMatchObject({ case: "allExtensionNumbersResponse", value: { baseTypeName: "trainyard.v1.Task", extensionNumber: [] } });
  });
});
