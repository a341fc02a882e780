/**
 * google.rpc.BadRequest, the standard error detail for field violations, built at load time from
 * a hand-written descriptor (the full google/rpc/error_details.proto is not vendored; this is the
 * wire-compatible subset: field_violations { field = 1, description = 2 }).
 *
 * Servers attach it to INVALID_ARGUMENT errors (see errors.ts); clients read it with
 * `err.findDetails(BadRequestSchema)`.
 */
import { create, createFileRegistry, type DescMessage } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

const stringField = (name: string, number: number, jsonName: string) => ({ name, number, jsonName, label: Label.OPTIONAL, type: Type.STRING });

const registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "google/rpc/error_details.proto",
    package: "google.rpc",
    syntax: "proto3",
    messageType: [
      {
        name: "BadRequest",
        field: [
          {
            name: "field_violations",
            number: 1,
            jsonName: "fieldViolations",
            label: Label.REPEATED,
            type: Type.MESSAGE,
            typeName: ".google.rpc.BadRequest.FieldViolation",
          },
        ],
        nestedType: [{ name: "FieldViolation", field: [stringField("field", 1, "field"), stringField("description", 2, "description")] }],
      },
    ],
  }),
  () => undefined,
);

export const BadRequestSchema: DescMessage = registry.getMessage("google.rpc.BadRequest")!;

/** The detail value for one violated field, ready for `new ConnectError(msg, code, undefined, [detail])`. */
export function badRequestDetail(field: string, description: string) {
  return { desc: BadRequestSchema, value: { fieldViolations: [{ field, description }] } };
}
