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

/** What a task id may be: ids are KV keys and subject tokens, so nothing else reaches NATS. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_=-]{1,128}$/;
