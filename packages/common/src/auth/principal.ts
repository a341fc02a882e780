/**
 * Who is calling: the token's name, its role and its namespace ("*": every namespace). The auth
 * interceptor (auth/interceptor.ts) puts it in each call's context values; handlers read it with
 * principalOf(ctx). Without an auth file every caller is ANONYMOUS: an admin of every namespace
 * who submits into "default".
 */
import { createContextKey, type HandlerContext } from "@connectrpc/connect";

export type Role = "viewer" | "submitter" | "admin";
export const ROLES: readonly Role[] = ["viewer", "submitter", "admin"];

/** "*" in a token's namespace: every namespace. */
export const ALL_NAMESPACES = "*";
/** Where tasks go when the caller's namespace is "*" (admins, and everyone while auth is off). */
export const DEFAULT_NAMESPACE = "default";

export interface Principal {
  name: string;
  role: Role;
  namespace: string;
}

export const ANONYMOUS: Principal = { name: "anonymous", role: "admin", namespace: ALL_NAMESPACES };

export const PRINCIPAL = createContextKey<Principal>(ANONYMOUS, { description: "the authenticated caller" });

export function principalOf(ctx: Pick<HandlerContext, "values">): Principal {
  return ctx.values.get(PRINCIPAL);
}

/** May `p` see (and, with the role for it, act on) things of namespace `ns`? */
export function seesNamespace(p: Principal, ns: string): boolean {
  return p.namespace === ALL_NAMESPACES || p.namespace === ns;
}

/** The namespace a task `p` submits goes to. */
export function submitNamespace(p: Principal): string {
  return p.namespace === ALL_NAMESPACES ? DEFAULT_NAMESPACE : p.namespace;
}
