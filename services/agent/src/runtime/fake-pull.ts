// How a FakeRuntime pull of one image goes, as scripted by FakeRuntime.scriptPull:
//   succeed  progress (0 of `bytes`, then all of it) over `durationMs`; the image is then there
//   fail     ImagePullError(message, { permanent }) after `afterMs`
//   hang     nothing until the pull's signal aborts
// Whatever the script, an abort rejects with the signal's reason, and the engine going down (or
// being down) fails the pull transient, as a cut connection does on DockerRuntime.
// Called by FakeRuntime.pull only; one timer per pending pull at most.
import { ImagePullError, type PullProgress } from "./container-runtime.js";
import { unreachable, type FakeEngine } from "./fake-engine.js";

export type PullScript =
  | { outcome: "succeed"; bytes?: number; durationMs?: number }
  | { outcome: "fail"; message: string; permanent: boolean; afterMs?: number }
  | { outcome: "hang" };

export async function runPull(engine: FakeEngine, script: PullScript, image: string, onProgress: (p: PullProgress) => void, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  const after = async (ms: number) => {
    const why = await engine.until({ ms, signal });
    if (why === "abort") throw signal.reason;
    if (why === "lost") {
      const cause = unreachable();
      throw new ImagePullError(cause.message, { permanent: false, cause });
    }
  };
  switch (script.outcome) {
    case "succeed": {
      const bytes = script.bytes ?? 1_000_000;
      await after(0);
      onProgress({ current: 0, total: bytes, status: `Pulling ${image}` });
      await after(script.durationMs ?? 0);
      onProgress({ current: bytes, total: bytes, status: "Pull complete" });
      return;
    }
    case "fail":
      await after(script.afterMs ?? 0);
      throw new ImagePullError(script.message, { permanent: script.permanent });
    case "hang":
      await after(Infinity);
  }
}
