// The spill's key sort (src/compute/sort-strings.ts): the order of Array.prototype.sort without
// a comparator (JS `<` on UTF-16 code units), whatever the keys, packed or not.
import { describe, it, expect } from "vitest";
import { sortStrings } from "../../src/compute/sort-strings.ts";
import { Rng } from "../sim/prng.ts";

function plainSort(keys: readonly string[]): string[] {
  return keys.slice().sort();
}

describe("sortStrings", () => {
  it("orders random keys as the plain string sort does: shared prefixes, short and empty keys, NUL, non-ASCII before and after the prefix", () => {
    const rng = new Rng(20261207);
    // Units chosen to meet every edge of the packing: 0 (a missing unit's value), 0x7f and
    // 0x80 (the last ASCII unit and the first that is not), a surrogate half, and a few letters
    // so that prefixes repeat and ties must be put in order by the string sort.
    const alphabets = [
      ["a", "b", "c"],
      ["a", "b", "\0", "\x7f"],
      ["a", "\x80", "é", "日", "\ud83d", "😀"],
      ["x", "y", "z", "0", "~", " "],
    ];
    for (let round = 0; round < 300; round++) {
      const alphabet = rng.pick(alphabets);
      const count = rng.pick([0, 1, 2, 63, 64, 65, 200, 1000]);
      const keys = Array.from({ length: count }, () => {
        // Mostly ASCII prefixes; a non-ASCII unit, when drawn, may land inside or past the prefix.
        const length = rng.int(9);
        let key = "";
        for (let i = 0; i < length; i++) key += i < 4 && rng.chance(0.9) ? rng.pick(["a", "b", "\0", "\x7f", "z"]) : rng.pick(alphabet);
        return key;
      });
      expect(sortStrings(keys.slice())).toEqual(plainSort(keys));
    }
  });

  it("orders TeraSort-like records: 10 random printable characters then a fixed tail", () => {
    const rng = new Rng(7);
    const keys = Array.from({ length: 20_000 }, (_, row) => Array.from({ length: 10 }, () => String.fromCharCode(0x20 + rng.int(95))).join("") + `  ${row}`);
    // Duplicates too: equal keys stay equal in number.
    keys.push(...keys.slice(0, 500));
    const sorted = sortStrings(keys.slice());
    expect(sorted).toEqual(plainSort(keys));
  });

  it("falls back to the plain sort for a list with a key that does not start in ASCII, with the same order", () => {
    const keys = Array.from({ length: 100 }, (_, i) => `k${String(99 - i).padStart(3, "0")}`);
    keys.push("é-first", "zz", "\u00ff", "a");
    expect(sortStrings(keys.slice())).toEqual(plainSort(keys));
  });
});
