/**
 * Task ids ("t-" + 10 characters of millisecond time + 12 random ones, Crockford base32: see
 * core/ids.ts) as three numbers, so an index of a million ids is typed arrays, not strings:
 * time (50 bits), hi and lo (30 bits each). Number order is id order. Ids of any other form
 * (hand-made records, tests) do not encode: callers keep those as strings.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export interface IdParts {
  time: number;
  hi: number;
  lo: number;
}

export function encodeId(id: string): IdParts | null {
  if (id.length !== 24 || id.charCodeAt(0) !== 116 /* t */ || id.charCodeAt(1) !== 45 /* - */) return null;
  const time = digits(id, 2, 12);
  const hi = digits(id, 12, 18);
  const lo = digits(id, 18, 24);
  return time < 0 || hi < 0 || lo < 0 ? null : { time, hi, lo };
}

export function decodeId(time: number, hi: number, lo: number): string {
  return `t-${chars(time, 10)}${chars(hi, 6)}${chars(lo, 6)}`;
}

/** Compares encoded ids: negative, 0 or positive as a is before, equal to or after b. */
export function compareParts(aTime: number, aHi: number, aLo: number, b: IdParts): number {
  return aTime - b.time || aHi - b.hi || aLo - b.lo;
}

/** The value of id[from, to) in base 32; -1 if a character is not of the alphabet. */
function digits(id: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = id.charCodeAt(i);
    const d = c < 128 ? VALUE[c]! : -1;
    if (d < 0) return -1;
    v = v * 32 + d;
  }
  return v;
}

function chars(v: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    s = ALPHABET[v % 32] + s;
    v = Math.floor(v / 32);
  }
  return s;
}
