// Test data: deterministic bytes that no two seeds share, so a misplaced or stale piece shows.

/** `sizeBytes` bytes of an xorshift sequence seeded with `seed`. */
export function pattern(sizeBytes: number, seed: number): Uint8Array {
  const data = new Uint8Array(sizeBytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < sizeBytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  return data;
}
