import type { KV, KvWatchEntry } from "@nats-io/kv";
import type { Logger } from "pino";

/**
 * Mirrors a KV bucket into memory: every current entry, then every change, handed to
 * `onEntry` in order. `ready` resolves once the entries stored when it began have been handed
 * over (at once for an empty bucket). stop() ends the watch; safe to call twice.
 */
export async function mirrorBucket(
  kv: KV,
  onEntry: (e: KvWatchEntry) => void,
  logger: Logger,
  what: string,
): Promise<{ ready: Promise<void>; stop(): void }> {
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  if ((await kv.status()).values === 0) markReady();
  const w = await kv.watch();
  void (async () => {
    for await (const e of w) {
      onEntry(e);
      if (e.delta === 0) markReady();
    }
  })().catch((err) => logger.error({ err }, `${what} watch ended`));
  return { ready, stop: () => w.stop() };
}
