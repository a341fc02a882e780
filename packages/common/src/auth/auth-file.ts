/**
 * TRAINYARD_AUTH_FILE on disk: read at start (a bad file stops the start-up, naming the problem)
 * and again on SIGHUP (a bad file then is logged and the tokens in use stay). The services'
 * composition roots own one each.
 */
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import type { AuthSource } from "./interceptor.js";
import { parseAuthFile, type AuthConfig } from "./tokens.js";

export class AuthFile implements AuthSource {
  private constructor(
    readonly path: string,
    private config: AuthConfig,
  ) {}

  static async load(path: string): Promise<AuthFile> {
    return new AuthFile(path, await read(path));
  }

  get current(): AuthConfig {
    return this.config;
  }

  /** Re-reads the file; returns whether the new tokens are in use. */
  async reload(logger: Logger): Promise<boolean> {
    try {
      this.config = await read(this.path);
      logger.info({ path: this.path, tokens: this.config.tokens.length }, "auth file re-read");
      return true;
    } catch (err) {
      logger.error({ path: this.path, err: String(err) }, "auth file not re-read: keeping the tokens in use");
      return false;
    }
  }
}

async function read(path: string): Promise<AuthConfig> {
  const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new Error(`TRAINYARD_AUTH_FILE ${path}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
  });
  try {
    return parseAuthFile(text);
  } catch (err) {
    throw new Error(`TRAINYARD_AUTH_FILE ${path}: ${(err as Error).message}`);
  }
}

/** Calls `reload` on every SIGHUP until the returned function is called (a service's close()). */
export function onSighup(reload: () => void): () => void {
  process.on("SIGHUP", reload);
  return () => void process.off("SIGHUP", reload);
}
