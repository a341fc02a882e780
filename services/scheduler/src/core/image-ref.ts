/**
 * Docker image reference syntax (distribution/reference grammar):
 *   [host[:port]/]path[:tag][@digest]
 * Returns null when valid, or why not.
 */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);

export function imageReferenceError(ref: string): string | null {
  if (ref.length === 0) return "is required";
  if (ref.length > 512) return "is longer than 512 characters";
  const m = REFERENCE.exec(ref);
  if (!m) {
    if (/[A-Z]/.test(ref.split("/").pop() ?? "")) return `${JSON.stringify(ref)} is not a valid image reference (repository names are lower case)`;
    return `${JSON.stringify(ref)} is not a valid image reference (expected [registry/]name[:tag][@digest])`;
  }
  const name = (m[1] ? `${m[1]}/` : "") + m[2];
  if (name.length > 255) return "repository name is longer than 255 characters";
  return null;
}
