// Sizes a person types (`--tier MEM:/dev/shm/x:64MiB`): a whole number of bytes, or a number
// with a unit. K, M, G, T and P are powers of 1024 whatever the spelling (64M, 64MB, 64MiB all
// mean 64 × 2^20), as `bytes` and the CLI's --chunk-size read them: an operator who writes
// 4GB for a tier means the 4 GiB of RAM they have.
const UNITS: Record<string, number> = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i;

/** The bytes `text` names, or undefined when it is not a positive whole number of bytes. */
export function parseSizeBytes(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * UNITS[match[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return undefined;
  return bytes;
}
