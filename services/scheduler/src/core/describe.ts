import type { Outcome } from "@trainyard/common";

/** "exit code 3", "OOM killed", "timed out": the words logs and messages use. Pure. */
export function describeOutcome(o: Outcome): string {
  switch (o.failureReason) {
    case undefined:
      return "exit code 0";
    case "EXIT_CODE":
      return `exit code ${o.exitCode}`;
    case "OOM_KILLED":
      return "OOM killed (out of memory)";
    case "TIMEOUT":
      return o.message.replace(/^killed after /, "") || "timeout";
    case "CANCELLED":
      return "cancelled";
    case "NODE_LOST":
      return "node lost";
    case "IMAGE_UNAVAILABLE":
      return `image unavailable: ${o.message}`;
    case "CONTAINER_ERROR":
      return `container error: ${o.message}`;
  }
}
