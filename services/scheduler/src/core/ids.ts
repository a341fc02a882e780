/**
 * Task ids: "t-" + 10 characters of millisecond time + 12 random characters, lowercase
 * Crockford base32, so ids sort by creation time and are valid NATS subject tokens and KV keys.
 * Pure: time and randomness are inputs.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export function taskId(nowMs: number, random: Uint8Array): string {
  let time = "";
  let t = Math.floor(nowMs);
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = "";
  for (let i = 0; i < 12; i++) rand += ALPHABET[(random[i] ?? 0) % 32];
  return `t-${time}${rand}`;
}

/** The creation time an id of this form carries (its 10 time characters after the 2-character prefix). */
export function idTime(id: string): number {
  let t = 0;
  for (const c of id.slice(2, 12)) t = t * 32 + ALPHABET.indexOf(c);
  return t;
}

/** What a task id may be: ids are KV keys and subject tokens, so nothing else reaches NATS. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_=-]{1,128}$/;
