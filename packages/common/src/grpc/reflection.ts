/**
 * gRPC server reflection, served under both grpc.reflection.v1.ServerReflection and the older
 * grpc.reflection.v1alpha.ServerReflection (grpcurl/buf curl try v1 first; older tools only know
 * v1alpha; the messages are wire-identical). Mirrors connectrpc/grpcreflect-go:
 *
 * - list_services: the names given, in order.
 * - file_containing_symbol: messages, enums, services, extensions, and also their members
 *   (fields, oneofs, enum values, methods) and nested names; answer = the declaring file plus
 *   its transitive imports (google/protobuf WKTs included), each file at most once per stream
 *   (the requested file is always sent).
 * - file_by_filename ("trainyard/v1/scheduler.proto"), file_containing_extension,
 *   all_extension_numbers_of_type.
 * - Misses are in-band error_response { error_code: NOT_FOUND }, never RPC errors.
 *
 * Descriptors come from the generated DescFiles (protobuf-es embeds them without comments).
 * The index is built once, at route creation; the stream handler only reads it. A stream lasts
 * as long as the client keeps it open, or until shutdown (then it ends UNAVAILABLE).
 */
import { toBinary, type DescExtension, type DescFile, type DescMessage, type DescEnum } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import * as v1 from "@trainyard/client/gen/grpc/reflection/v1/reflection_pb";
import * as v1alpha from "@trainyard/client/gen/grpc/reflection/v1alpha/reflection_pb";
import { abortableIterable } from "./abortable.js";

export interface ReflectionOptions {
  /** Fully qualified service names for list_services. Each must be declared in `files`. */
  services: string[];
  /** Files to serve; their imports are added automatically. */
  files: DescFile[];
}

/** What a v1 and a v1alpha request have in common (both generated messages fit this shape). */
interface Request {
  host: string;
  messageRequest:
    | { case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType" | "listServices"; value: string }
    | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
    | { case: undefined; value?: undefined };
}

/** The `message_response` oneof as init data, valid for both versions' response messages. */
type Answer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

export function reflectionRoutes(opts: ReflectionOptions) {
  const index = buildIndex(opts.files);
  for (const s of opts.services) {
    if (!index.symbols.has(s)) throw new Error(`reflection: service ${s} is not declared in the given files`);
  }
  const serviceList = opts.services.map((name) => ({ name }));

  /** One answer per request; `sent` is the per-stream set of files already delivered. */
  function answer(req: Request, sent: Set<string>): Answer {
    const r = req.messageRequest;
    switch (r.case) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: serviceList } };
      case "fileContainingSymbol":
        return files(index.symbols.get(r.value), sent, `symbol ${r.value}`);
      case "fileByFilename":
        return files(index.byPath.get(r.value), sent, `file ${r.value}`);
      case "fileContainingExtension": {
        const ext = index.extensions.get(r.value.containingType)?.get(r.value.extensionNumber);
        return files(ext?.file, sent, `extension ${r.value.containingType}#${r.value.extensionNumber}`);
      }
      case "allExtensionNumbersOfType": {
        if (!index.messages.has(r.value)) return notFound(`type ${r.value}`);
        const numbers = [...(index.extensions.get(r.value)?.keys() ?? [])];
        return { case: "allExtensionNumbersResponse", value: { baseTypeName: r.value, extensionNumber: numbers } };
      }
      default:
        return { case: "errorResponse", value: { errorCode: Code.InvalidArgument, errorMessage: "unsupported reflection request" } };
    }
  }

  return (router: ConnectRouter) => {
    router.service(v1.ServerReflection, {
      async *serverReflectionInfo(reqs, ctx) {
        const sent = new Set<string>();
        for await (const req of abortableIterable(reqs, ctx.signal)) yield { validHost: req.host, originalRequest: req, messageResponse: answer(req, sent) };
      },
    });
    router.service(v1alpha.ServerReflection, {
      async *serverReflectionInfo(reqs, ctx) {
        const sent = new Set<string>();
        for await (const req of abortableIterable(reqs, ctx.signal)) yield { validHost: req.host, originalRequest: req, messageResponse: answer(req, sent) };
      },
    });
  };
}

function notFound(what: string): Answer {
  return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage: `${what} not found` } };
}

/** The file and its transitive imports, root first, skipping imports already sent on this stream. */
function files(root: DescFile | undefined, sent: Set<string>, what: string): Answer {
  if (root === undefined) return notFound(what);
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  const queue = [root];
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
    if (seen.has(f.proto.name)) continue;
    seen.add(f.proto.name);
    if (f === root || !sent.has(f.proto.name)) {
      out.push(toBinary(FileDescriptorProtoSchema, f.proto));
      sent.add(f.proto.name);
    }
    queue.push(...f.dependencies);
  }
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto: out } };
}

interface Index {
  byPath: Map<string, DescFile>;
  /** Every fully qualified name (types and their members) → declaring file. */
  symbols: Map<string, DescFile>;
  messages: Set<string>;
  /** extendee type name → field number → extension. */
  extensions: Map<string, Map<number, DescExtension>>;
}

function buildIndex(roots: DescFile[]): Index {
  const index: Index = { byPath: new Map(), symbols: new Map(), messages: new Set(), extensions: new Map() };
  const addExtension = (ext: DescExtension) => {
    index.symbols.set(ext.typeName, ext.file);
    const byNumber = index.extensions.get(ext.extendee.typeName) ?? new Map<number, DescExtension>();
    byNumber.set(ext.number, ext);
    index.extensions.set(ext.extendee.typeName, byNumber);
  };
  const addEnum = (e: DescEnum) => {
    index.symbols.set(e.typeName, e.file);
    const scope = e.typeName.slice(0, e.typeName.lastIndexOf(".") + 1); // enum values live beside the enum
    for (const v of e.values) index.symbols.set(scope + v.name, e.file);
  };
  const addMessage = (m: DescMessage) => {
    index.symbols.set(m.typeName, m.file);
    index.messages.add(m.typeName);
    for (const f of m.fields) index.symbols.set(`${m.typeName}.${f.name}`, m.file);
    for (const o of m.oneofs) index.symbols.set(`${m.typeName}.${o.name}`, m.file);
    m.nestedMessages.forEach(addMessage);
    m.nestedEnums.forEach(addEnum);
    m.nestedExtensions.forEach(addExtension);
  };
  const addFile = (file: DescFile) => {
    if (index.byPath.has(file.proto.name)) return;
    index.byPath.set(file.proto.name, file);
    file.messages.forEach(addMessage);
    file.enums.forEach(addEnum);
    file.extensions.forEach(addExtension);
    for (const s of file.services) {
      index.symbols.set(s.typeName, file);
      for (const m of s.methods) index.symbols.set(`${s.typeName}.${m.name}`, file);
    }
    file.dependencies.forEach(addFile);
  };
  roots.forEach(addFile);
  return index;
}
