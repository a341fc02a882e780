import type { HandlerContext } from "@connectrpc/connect";
import type { WhoAmIRequest, WhoAmIResponse } from "@trainyard/client";
import { principalOf } from "@trainyard/common";
import type { SchedulerDeps } from "../deps.js";

/** WhoAmI: the caller's name, role and namespace (the web dashboard hides what it may not do). */
export function whoAmI(d: SchedulerDeps) {
  return (_req: WhoAmIRequest, ctx: HandlerContext): WhoAmIResponse => {
    const p = principalOf(ctx);
    return { $typeName: "trainyard.v1.WhoAmIResponse", name: p.name, role: p.role, namespace: p.namespace, authEnabled: d.authEnabled };
  };
}
