/** Who may call what: tokens and roles from TRAINYARD_AUTH_FILE, namespaces per principal. */
export { AuthFile, onSighup } from "./auth-file.js";
export { authInterceptor, type AuthSource } from "./interceptor.js";
export { ALL_NAMESPACES, ANONYMOUS, DEFAULT_NAMESPACE, PRINCIPAL, principalOf, ROLES, seesNamespace, submitNamespace, type Principal, type Role } from "./principal.js";
export { mayCall, OPEN_SERVICES } from "./rights.js";
export { authenticate, NAMESPACE, parseAuthFile, sha256, type AuthConfig, type NamespaceQuota, type TokenEntry } from "./tokens.js";
