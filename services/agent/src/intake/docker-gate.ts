/**
 * The pull loops take work only while the Docker Engine answers: wait() returns at once while
 * a ping succeeded in the last `freshMs`, otherwise pings until one does (logging once), so an
 * agent whose engine restarts stays up, takes nothing meanwhile, and pulls again after.
 * wait() rejects once `signal` aborts (with its reason, or the ping's error if one was under way).
 */
import type { Logger } from "pino";
import { retry } from "@trainyard/common";
import type { ContainerRuntime } from "../runtime/container-runtime.js";

const BACKOFF = { initialMs: 500, maxMs: 5_000 };

export class DockerGate {
  private okAt = 0;
  private down = false;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly logger: Logger,
    private readonly freshMs = 2_000,
  ) {}

  async wait(signal: AbortSignal): Promise<void> {
    await retry(() => this.ping(), {
      backoff: BACKOFF,
      signal,
      onRetry: (err) => {
        if (!this.down) this.logger.warn({ err: String(err) }, "Docker Engine not answering; taking no work until it does");
        this.down = true;
      },
    });
  }

  private async ping(): Promise<void> {
    if (Date.now() - this.okAt < this.freshMs) return;
    await this.runtime.version();
    this.okAt = Date.now();
    if (this.down) this.logger.info("Docker Engine answers again; taking work");
    this.down = false;
  }
}
