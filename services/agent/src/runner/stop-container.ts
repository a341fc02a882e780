import { formatDuration } from "@trainyard/common";
import type { ContainerRuntime } from "../runtime/container-runtime.js";

/**
 * Stops a running container: SIGTERM, then SIGKILL if it is still running after `graceMs`.
 * `exited` is the runner's wait on the container. Lines describe each step for the log.
 * Not cancellable by design: once begun, a stop always ends with the container stopped.
 */
export async function stopContainer(
  runtime: ContainerRuntime,
  id: string,
  graceMs: number,
  exited: Promise<unknown>,
  say: (line: string) => void,
): Promise<void> {
  say(`sending SIGTERM; SIGKILL in ${formatDuration(graceMs)} if still running`);
  await runtime.kill(id, "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<"grace">((r) => (timer = setTimeout(() => r("grace"), graceMs)));
  const first = await Promise.race([exited.then(() => "exited" as const, () => "exited" as const), graceOver]);
  clearTimeout(timer);
  if (first === "grace") {
    say(`still running after ${formatDuration(graceMs)}: sending SIGKILL`);
    await runtime.kill(id, "SIGKILL");
  }
}
