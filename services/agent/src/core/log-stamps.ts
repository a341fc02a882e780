/** The Docker Engine's log timestamps ("2026-11-28T15:12:58.644945409Z"), exactly, to the nanosecond. Pure. */

/** "2026-11-28T15:12:58.644945409Z" → nanoseconds since the epoch, exactly; null if unreadable. */
export function stampNs(stamp: string): bigint | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(stamp);
  if (!m) return null;
  const seconds = Date.parse(`${m[1]}Z`) / 1000;
  if (Number.isNaN(seconds)) return null;
  return BigInt(seconds) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0") || "0");
}

/** A stamp as the Engine API's `since` ("seconds.nanoseconds"). */
export function stampToSince(stamp: string): string {
  const ns = stampNs(stamp);
  if (ns === null) throw new Error(`not a log timestamp: ${stamp}`);
  return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`;
}

/** Nanoseconds since the epoch → "2026-11-28T15:12:58.644945409Z" (the engine's RFC 3339 form). */
export function nsToStamp(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const frac = String(ns % 1_000_000_000n).padStart(9, "0");
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}
