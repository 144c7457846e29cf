// Chunk identity: ids and versions are validated strictly, and file names map back exactly.
import { describe, it, expect } from "vitest";
import { isChunkId, validateChunkId, validateChunkVersion } from "../../src/protocol/chunk-id.ts";
import { decodeSidecar, encodeSidecar } from "../../src/chunk/store/checksum.ts";
import { ChunkCorruptError } from "../../src/chunk/store/errors.ts";
import { InvalidChunkIdError } from "../../src/protocol/errors.ts";
import { chunkFileStem, fanOutDirName, parseChunkFileStem } from "../../src/chunk/store/chunk-files.ts";

describe("chunk ids", () => {
  it("accepts exactly 16 lowercase hex digits", () => {
    expect(isChunkId("0123456789abcdef")).toBe(true);
    for (const bad of ["0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "../x", "a/b", "0123456789abcde\u0000", "", null, 12]) {
      expect(isChunkId(bad)).toBe(false);
      expect(() => validateChunkId(bad)).toThrow(InvalidChunkIdError);
    }
  });

  it("echoes only a bounded prefix of a rejected id", () => {
    const huge = "x".repeat(1_000_000);
    const message = (() => {
      try {
        validateChunkId(huge);
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    })();
    expect(message.length).toBeLessThan(200);
  });

  it("accepts versions that are safe non-negative integers", () => {
    expect(validateChunkVersion(0)).toBe(0);
    expect(validateChunkVersion(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "3", 3n]) expect(() => validateChunkVersion(bad)).toThrow(InvalidChunkIdError);
    // Found by test/fuzz (protocol/chunk-ids): JSON's {"toString": ""} made the message's String() throw a TypeError.
    for (const bad of [{ toString: "" }, JSON.parse('{"toString": 1}'), Object.create(null), null, undefined, Symbol("v")]) expect(() => validateChunkVersion(bad)).toThrow(InvalidChunkIdError);
  });

  it("names files from id and version only, and parses exactly those names back", () => {
    expect(fanOutDirName("ab0000000000000f")).toBe("ab");
    expect(chunkFileStem("ab0000000000000f", 12)).toBe("ab0000000000000f_12");
    expect(parseChunkFileStem("ab0000000000000f_12")).toEqual({ id: "ab0000000000000f", version: 12 });
    expect(parseChunkFileStem(chunkFileStem("ab0000000000000f", Number.MAX_SAFE_INTEGER))?.version).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ["ab0000000000000f_012", "ab0000000000000f_", "ab0000000000000f_-1", "AB0000000000000F_1", "ab0000000000000f_1_2", "ab000000000000f_1", "ab0000000000000f_99999999999999999"]) {
      expect(parseChunkFileStem(bad)).toBeUndefined();
    }
  });
});

describe("checksum sidecar", () => {
  const checksums = Uint32Array.from([1, 2, 3]);
  const id = "00000000000000aa";

  it("round-trips and rejects a sidecar of another chunk, another version, or with any byte changed", () => {
    const bytes = encodeSidecar(id, 5, 2 * 65536 + 1, checksums);
    expect(decodeSidecar(bytes, id, 5)).toEqual({ blockBytes: 65536, sizeBytes: 2 * 65536 + 1, checksums });
    expect(() => decodeSidecar(bytes, "00000000000000ab", 5)).toThrow(/another chunk id/);
    expect(() => decodeSidecar(bytes, id, 6)).toThrow(/another version/);
    for (let i = 0; i < bytes.length; i++) {
      const damaged = bytes.slice();
      damaged[i] ^= 0x01;
      expect(() => decodeSidecar(damaged, id, 5)).toThrow(ChunkCorruptError);
    }
    expect(() => decodeSidecar(bytes.subarray(0, 20), id, 5)).toThrow(/too short/);
  });
});
