/**
 * Which role may call which RPC. Pure. Deny by default: an RPC not listed here is admin only,
 * and so is every method of a service not listed (AgentService among them).
 *
 *   viewer     Get, List, Watch, StreamLogs, GetEvents, ListNodes, DownloadCheckpoint, WhoAmI
 *   submitter  viewer's, and Submit, SubmitArray, Cancel, CancelArray
 *   admin      everything, in every namespace (DrainNode, AgentService, …)
 *
 * grpc.health.v1 and server reflection need no token at all (OPEN_SERVICES).
 */
import type { Role } from "./principal.js";

export const OPEN_SERVICES: ReadonlySet<string> = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

const SCHEDULER = "trainyard.v1.SchedulerService";
const VIEW = ["Get", "List", "Watch", "StreamLogs", "GetEvents", "ListNodes", "DownloadCheckpoint", "WhoAmI"];
const SUBMIT = [...VIEW, "Submit", "SubmitArray", "Cancel", "CancelArray"];

const RIGHTS: Record<Exclude<Role, "admin">, ReadonlySet<string>> = {
  viewer: new Set(VIEW.map((m) => `${SCHEDULER}/${m}`)),
  submitter: new Set(SUBMIT.map((m) => `${SCHEDULER}/${m}`)),
};

/** May `role` call `service`/`method` (method as in the proto: "Submit")? */
export function mayCall(role: Role, service: string, method: string): boolean {
  return role === "admin" || RIGHTS[role].has(`${service}/${method}`);
}
