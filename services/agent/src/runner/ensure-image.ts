import { formatDuration } from "@trainyard/common";
import type { ContainerRuntime, PullProgress } from "../runtime/container-runtime.js";

/**
 * Makes sure the image is on this host: inspect, and pull when it is missing, narrating the
 * pull (start, progress at most every `everyMs`, done) through `say` and `progress`.
 * Throws ImagePullError when it cannot be had; aborts with `signal`. Says whether the image
 * was already there or had to be pulled.
 */
export async function ensureImage(
  runtime: ContainerRuntime,
  image: string,
  say: (line: string) => void,
  progress: (message: string) => void,
  signal: AbortSignal,
  pulled: (line: string) => void = () => {},
  everyMs = 2_000,
): Promise<"present" | "pulled"> {
  if (await runtime.hasImage(image)) return "present";
  const started = Date.now();
  say(`pulling image ${image}`);
  progress(`pulling image ${image}`);
  let lastReport = 0;
  await runtime.pull(
    image,
    (p) => {
      const now = Date.now();
      if (now - lastReport < everyMs || p.total === 0) return;
      lastReport = now;
      const text = `pulling image ${image}: ${describe(p)}`;
      say(text);
      progress(text);
    },
    signal,
  );
  const done = `pulled image ${image} in ${formatDuration(Date.now() - started)}`;
  say(done);
  pulled(done);
  return "pulled";
}

function describe(p: PullProgress): string {
  const pct = Math.floor((100 * p.current) / p.total);
  return `${pct}% (${mb(p.current)} of ${mb(p.total)} MB)`;
}

const mb = (b: number) => (b / 1e6).toFixed(1);
