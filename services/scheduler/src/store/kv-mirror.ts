/**
 * Mirrors a KV bucket into memory: every current entry, then every change, handed to
 * `onEntry` in order; `onLoaded` once the entries stored when it began have been handed over
 * (at once for an empty bucket). stop() ends the watch; safe to call twice. feedTaskView,
 * feedNodeView and feedDrains are the mirrors the scheduler keeps.
 */
import type { KV, KvWatchEntry } from "@nats-io/kv";
import type { Logger } from "pino";
import type { DrainRecord, NodeRecord } from "@trainyard/common";
import type { NodeView } from "./node-view.js";
import { decodeRecord } from "./task-store.js";
import type { TaskView } from "./task-view.js";

export async function mirrorBucket(
  kv: KV,
  onEntry: (e: KvWatchEntry) => void,
  onLoaded: () => void,
  logger: Logger,
  what: string,
): Promise<{ stop(): void }> {
  let loaded = false;
  const once = () => {
    if (loaded) return;
    loaded = true;
    onLoaded();
  };
  if ((await kv.status()).values === 0) once();
  const w = await kv.watch();
  void (async () => {
    for await (const e of w) {
      onEntry(e);
      // delta 0: caught up. It is 0 again on nearly every change after: loaded is said once.
      if (e.delta === 0) once();
    }
  })().catch((err) => logger.error({ err }, `${what} watch ended`));
  return { stop: () => w.stop() };
}

export function feedTaskView(kv: KV, view: TaskView, logger: Logger): Promise<{ stop(): void }> {
  return mirrorBucket(
    kv,
    (e) => {
      if (e.operation !== "PUT") return view.remove(e.key);
      // This replica's own writes come back here after the applier offered them: not decoded again.
      if ((view.revisionOf(e.key) ?? 0) >= e.revision) return;
      const t = decodeRecord(e.value);
      if (t) view.offer(t, e.revision);
    },
    () => view.markLoaded(),
    logger,
    "task view",
  );
}

export function feedNodeView(kv: KV, view: NodeView, logger: Logger): Promise<{ stop(): void }> {
  return mirrorBucket(
    kv,
    (e) => {
      if (e.operation !== "PUT") return view.remove(e.key);
      try {
        view.seen(e.key, e.json<NodeRecord>(), e.created.getTime());
      } catch {
        logger.warn({ node: e.key }, "unreadable node record");
      }
    },
    () => view.markLoaded(),
    logger,
    "node view",
  );
}

export function feedDrains(kv: KV, view: NodeView, logger: Logger): Promise<{ stop(): void }> {
  return mirrorBucket(
    kv,
    (e) => {
      if (e.operation !== "PUT") return view.drained(e.key, null);
      try {
        view.drained(e.key, e.json<DrainRecord>());
      } catch {
        logger.warn({ node: e.key }, "unreadable drain record");
      }
    },
    () => view.markDrainsLoaded(),
    logger,
    "drains",
  );
}
