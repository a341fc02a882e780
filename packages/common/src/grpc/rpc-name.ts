import type { DescMethod } from "@bufbuild/protobuf";

/** "/trainyard.v1.SchedulerService/Get": the gRPC path, used as the `rpc` field in logs. */
export function rpcName(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}
