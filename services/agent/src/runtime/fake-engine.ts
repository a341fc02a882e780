// The FakeRuntime's engine as its callers see it: up or down, the one place that waits (for a
// container's change, a pause, an abort, or the engine going away), and the errors a real
// Engine's client would give. Used by fake-runtime.ts and fake-pull.ts only.
//
// Errors mirror dockerode's: an Engine answer is an Error with `statusCode` and the body in
// `json` (messageOf reads it); an engine that is not there is a socket error (ECONNREFUSED).
import type { FakeContainer } from "./fake-container.js";

export type Woken = "done" | "change" | "abort" | "lost";

export class FakeEngine {
  private isDown = false;
  private readonly losses = new Set<() => void>();

  get down(): boolean {
    return this.isDown;
  }

  /** Goes down: every pending `until` resolves "lost". */
  goDown(): void {
    this.isDown = true;
    for (const lost of [...this.losses]) lost();
  }

  comeUp(): void {
    this.isDown = false;
  }

  /** Throws as a call to an unreachable engine does. */
  check(): void {
    if (this.isDown) throw unreachable();
  }

  /**
   * Resolves with why it woke: "done" after `ms` (one timer; none without `ms`), "change" on
   * the container's next change, "abort" on the signal, "lost" once the engine is down (at
   * once if it is). Never rejects; leaves no listener or timer behind.
   */
  until(o: { ms?: number; container?: FakeContainer; signal?: AbortSignal }): Promise<Woken> {
    return new Promise<Woken>((resolve) => {
      if (this.isDown) return resolve("lost");
      if (o.signal?.aborted) return resolve("abort");
      let timer: NodeJS.Timeout | undefined;
      const done = (why: Woken) => {
        clearTimeout(timer);
        off?.();
        o.signal?.removeEventListener("abort", onAbort);
        this.losses.delete(onLoss);
        resolve(why);
      };
      const off = o.container?.onChange(() => done("change"));
      const onAbort = () => done("abort");
      const onLoss = () => done("lost");
      o.signal?.addEventListener("abort", onAbort, { once: true });
      this.losses.add(onLoss);
      if (o.ms !== undefined && o.ms !== Infinity) timer = setTimeout(() => done("done"), o.ms);
    });
  }
}

/** An error as dockerode reports an Engine answer: `statusCode`, and the body in `json`. */
export function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json: { message } });
}

/** What a call on an engine that is not there rejects with. */
export function unreachable(): Error {
  return Object.assign(new Error("connect ECONNREFUSED /var/run/docker.sock"), { code: "ECONNREFUSED", syscall: "connect" });
}

/** What DockerRuntime.wait rejects with once the engine stopped answering. */
export function engineLost(): Error {
  const cause = unreachable();
  return new Error(`Docker Engine not answering: ${cause.message}`, { cause });
}
