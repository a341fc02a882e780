import type { Logger } from "pino";
import { sleep } from "@trainyard/common";
import type { ContainerRuntime } from "../runtime/container-runtime.js";

/**
 * The pull loops take work only while the Docker Engine answers: wait() returns at once while
 * a ping succeeded in the last `freshMs`, otherwise pings until one does (logging once), so an
 * agent whose engine restarts stays up, takes nothing meanwhile, and pulls again after.
 */
export class DockerGate {
  private okAt = 0;
  private down = false;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly logger: Logger,
    private readonly freshMs = 2_000,
  ) {}

  async wait(signal: AbortSignal): Promise<void> {
    for (let delay = 500; ; delay = Math.min(delay * 2, 5_000)) {
      if (Date.now() - this.okAt < this.freshMs) return;
      try {
        await this.runtime.version();
        this.okAt = Date.now();
        if (this.down) this.logger.info("Docker Engine answers again; taking work");
        this.down = false;
        return;
      } catch (err) {
        if (!this.down) this.logger.warn({ err: String(err) }, "Docker Engine not answering; taking no work until it does");
        this.down = true;
        await sleep(delay, signal);
      }
    }
  }
}
