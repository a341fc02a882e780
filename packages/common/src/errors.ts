/**
 * Domain errors. Code inside Trainyard throws these; the gRPC boundary
 * (grpc/errors.ts) turns them into ConnectError codes. Never branch on messages.
 */
export type ErrorKind =
  | "not_found"
  | "invalid_argument"
  | "failed_precondition"
  | "already_exists"
  | "resource_exhausted"
  | "unavailable"
  | "aborted"
  | "unauthenticated"
  | "permission_denied";

export class TrainyardError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TrainyardError";
  }
}

export class NotFoundError extends TrainyardError {
  constructor(what: string, id: string) {
    super("not_found", `${what} ${JSON.stringify(id)} not found`);
  }
}

/** A bad request field. `field` is the dotted path as in the proto, e.g. "spec.resources.cpus". */
export class InvalidArgumentError extends TrainyardError {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super("invalid_argument", `${field}: ${reason}`);
  }
}

export class UnavailableError extends TrainyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("unavailable", message, options);
  }
}

/** No token, or one that is not (or no longer) valid. */
export class UnauthenticatedError extends TrainyardError {
  constructor(message: string) {
    super("unauthenticated", message);
  }
}

/** The caller is known, and its role does not allow this. */
export class PermissionDeniedError extends TrainyardError {
  constructor(message: string) {
    super("permission_denied", message);
  }
}

/** A compare-and-set lost a race; callers re-read and try again. */
export class ConflictError extends TrainyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("aborted", message, options);
  }
}
