/**
 * Test-only interop client: a @grpc/grpc-js client for any protobuf-es service, so tests can
 * prove a non-Connect gRPC stack talks to our server (research/ecosystem.md §3). Methods are
 * the service's localNames (`get`, `watch`, ...) with grpc-js calling conventions; requests are
 * protobuf-es init objects, responses protobuf-es messages. Close it with `client.close()`.
 *
 * @grpc/grpc-js is a root devDependency only, which is why this lives under test/.
 */
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type DescService, type MessageInitShape } from "@bufbuild/protobuf";

export type GrpcJsClient = InstanceType<grpc.ServiceClientConstructor>;

export function grpcJsClient(
  service: DescService,
  address: string,
  options: grpc.ClientOptions = {},
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): GrpcJsClient {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      ...codec("request", method.input),
      ...codec("response", method.output),
    } as grpc.MethodDefinition<unknown, unknown>;
  }
  const Client = grpc.makeGenericClientConstructor(definition, service.name);
  return new Client(address.replace(/^https?:\/\//, ""), credentials, options);
}

function codec<K extends "request" | "response">(kind: K, schema: DescMessage) {
  return {
    [`${kind}Serialize`]: (v: MessageInitShape<DescMessage>) => Buffer.from(toBinary(schema, create(schema, v))),
    [`${kind}Deserialize`]: (b: Buffer) => fromBinary(schema, b),
  };
}
