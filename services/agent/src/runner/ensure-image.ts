/**
 * Makes sure the image is on this host: inspect, and pull when it is missing, saying so (pulling,
 * progress at most every `everyMs`, pulled). Throws ImagePullError when it cannot be had; aborts
 * with `signal`. Says whether the image was already there or had to be pulled.
 */
import type { ContainerRuntime } from "../runtime/container-runtime.js";
import type { Say } from "./say.js";

export async function ensureImage(runtime: ContainerRuntime, image: string, say: Say, signal: AbortSignal, everyMs = 2_000): Promise<"present" | "pulled"> {
  if (await runtime.hasImage(image)) return "present";
  const started = Date.now();
  say({ kind: "pulling", image });
  let lastReport = 0;
  await runtime.pull(
    image,
    (p) => {
      const now = Date.now();
      if (now - lastReport < everyMs || p.total === 0) return;
      lastReport = now;
      say({ kind: "pull-progress", image, current: p.current, total: p.total });
    },
    signal,
  );
  say({ kind: "pulled", image, ms: Date.now() - started });
  return "pulled";
}
