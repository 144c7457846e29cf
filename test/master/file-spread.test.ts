// The leader's soft state of each file's bytes per peer (master/cluster/file-spread.ts): kept
// up to date by placements, rebuilt from the chunk rows whenever it may be stale, bounded.
import { describe, it, expect } from "vitest";
import { FileSpreads, type SpreadChunk } from "../../src/master/cluster/file-spread.ts";

const MiB = 1024 * 1024;
const row = (replicas: string[], committed = true, sizeBytes = MiB): SpreadChunk => ({ replicas, committed, sizeBytes });

describe("FileSpreads", () => {
  it("counts placements while the file's next index agrees, and rebuilds from the rows when it does not", () => {
    const spreads = new FileSpreads();
    let reads = 0;
    const rows = [row(["a"]), row(["b"], true, 100), row(["a", "c"], false)];
    const chunks = () => {
      reads += 1;
      return rows;
    };
    // Built from the rows: an uncommitted chunk counts as a whole chunk, a committed one as its size.
    expect(Object.fromEntries(spreads.of(7, 3, 4 * MiB, chunks))).toEqual({ a: 5 * MiB, b: 100, c: 4 * MiB });
    spreads.added(7, 3, ["b"], 4 * MiB);
    expect(Object.fromEntries(spreads.of(7, 4, 4 * MiB, chunks))).toEqual({ a: 5 * MiB, b: 4 * MiB + 100, c: 4 * MiB });
    expect(reads).toBe(1);
    // A pipeline rebuilt elsewhere moves the chunk's bytes.
    spreads.moved(7, ["b"], ["c"], 4 * MiB);
    expect(Object.fromEntries(spreads.of(7, 4, 4 * MiB, chunks))).toEqual({ a: 5 * MiB, b: 100, c: 8 * MiB });
    // Chunks were abandoned (or another leader placed some): the next index disagrees, so the rows decide again.
    expect(Object.fromEntries(spreads.of(7, 2, 4 * MiB, () => rows.slice(0, 2)))).toEqual({ a: MiB, b: 100 });
    // A placement out of order drops what was remembered.
    spreads.added(7, 5, ["a"], MiB);
    expect(spreads.size).toBe(0);
  });

  it("remembers at most filesMax files, forgetting the least recently written", () => {
    const spreads = new FileSpreads(2);
    for (const fileId of [1, 2, 1, 3]) spreads.of(fileId, 0, MiB, () => []);
    expect(spreads.size).toBe(2);
    let rebuilt = false;
    spreads.of(1, 0, MiB, () => ((rebuilt = true), []));
    expect(rebuilt).toBe(false);
    spreads.of(2, 0, MiB, () => ((rebuilt = true), []));
    expect(rebuilt).toBe(true);
  });
});
