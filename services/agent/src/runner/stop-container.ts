/**
 * Stops a running container: SIGTERM, then SIGKILL if it is still running after `graceMs`,
 * saying each step. `exited` is the runner's wait on the container. Not cancellable by design:
 * once begun, a stop always ends with the container stopped.
 */
import type { ContainerRuntime } from "../runtime/container-runtime.js";
import type { Say } from "./say.js";

export async function stopContainer(runtime: ContainerRuntime, id: string, graceMs: number, exited: Promise<unknown>, say: Say): Promise<void> {
  say({ kind: "sigterm", killAfterMs: graceMs });
  await runtime.kill(id, "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<"grace">((r) => (timer = setTimeout(() => r("grace"), graceMs)));
  const first = await Promise.race([exited.then(() => "exited" as const, () => "exited" as const), graceOver]);
  clearTimeout(timer);
  if (first === "grace") {
    say({ kind: "sigkill", afterMs: graceMs });
    await runtime.kill(id, "SIGKILL");
  }
}
