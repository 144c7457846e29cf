// `--tier NAME:DIR:SIZE`: good specs parse, each bad one is refused with one sentence.
import { describe, expect, it, afterAll } from "vitest";
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseTierSpec, parseTierSpecs } from "../../src/cache/tier-spec.ts";
import { parseSizeBytes } from "../../src/util/size.ts";
import { TIERS_MAX } from "../../src/protocol/mounts.ts";
import { tempDir } from "../support/temp.ts";

const dir = tempDir("tier-spec");
afterAll(() => dir.remove());
const folder = (name: string) => {
  const path = join(dir.path, name);
  mkdirSync(path, { recursive: true });
  return path;
};

describe("parseSizeBytes", () => {
  it("reads units as powers of 1024, whatever the spelling", () => {
    expect(parseSizeBytes("64MiB")).toBe(64 * 2 ** 20);
    expect(parseSizeBytes("64MB")).toBe(64 * 2 ** 20);
    expect(parseSizeBytes("64m")).toBe(64 * 2 ** 20);
    expect(parseSizeBytes("4GiB")).toBe(4 * 2 ** 30);
    expect(parseSizeBytes("2TiB")).toBe(2 * 2 ** 40);
    expect(parseSizeBytes("1048576")).toBe(1048576);
    expect(parseSizeBytes("1.5KiB")).toBe(1536);
  });
  it("refuses what is not a positive whole number of bytes", () => {
    for (const bad of ["", "0", "-1", "abc", "12XB", "0.5", "1.3B", "9999999PiB"]) expect(parseSizeBytes(bad), bad).toBeUndefined();
  });
});

describe("parseTierSpec", () => {
  it("parses NAME:DIR:SIZE, the folder resolved", () => {
    const mem = folder("mem");
    expect(parseTierSpec(`MEM:${mem}:64MiB`)).toEqual({ name: "MEM", dir: realpathSync(mem), capacityBytes: 64 * 2 ** 20 });
    expect(parseTierSpec(`hdd:${mem}:2TiB`).name).toBe("HDD");
  });
  it("keeps colons inside the folder's name", () => {
    const odd = folder("a:b");
    expect(parseTierSpec(`SSD:${odd}:1GiB`).dir).toBe(realpathSync(odd));
  });
  it("refuses a spec without a size", () => {
    const mem = folder("mem");
    expect(() => parseTierSpec(`MEM:${mem}`)).toThrow(/has no size/);
    expect(() => parseTierSpec(`MEM:${mem}:`)).toThrow(/has no size/);
  });
  it("refuses a size that is not one", () => {
    expect(() => parseTierSpec(`MEM:${folder("mem")}:lots`)).toThrow(/"lots" that is not a size/);
  });
  it("refuses an unknown tier name", () => {
    expect(() => parseTierSpec(`RAM:${folder("mem")}:1GiB`)).toThrow(/unknown tier "RAM" \(one of MEM, SSD, HDD\)/);
    expect(() => parseTierSpec("MEM")).toThrow(/is not NAME:DIR:SIZE/);
  });
  it("refuses a folder that does not exist, or a file", () => {
    expect(() => parseTierSpec(`MEM:${join(dir.path, "nope")}:1GiB`)).toThrow(/the folder .*nope does not exist/);
    const file = join(dir.path, "file");
    writeFileSync(file, "x");
    expect(() => parseTierSpec(`MEM:${file}:1GiB`)).toThrow(/is not a folder/);
  });
  it("says each refusal in one sentence", () => {
    try {
      parseTierSpec(`MEM:${folder("mem")}`);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).name).toBe("ConfigError");
      expect((err as Error).message).not.toContain("\n");
    }
  });
});

describe("parseTierSpecs", () => {
  it("keeps the order of the flags: top first", () => {
    const specs = parseTierSpecs([`HDD:${folder("h")}:2MiB`, `MEM:${folder("m")}:1MiB`]);
    expect(specs.map((spec) => spec.name)).toEqual(["HDD", "MEM"]);
  });
  it("refuses one folder for two tiers, or one inside another", () => {
    const shared = folder("shared");
    expect(() => parseTierSpecs([`MEM:${shared}:1MiB`, `HDD:${shared}:2MiB`])).toThrow(/share the folder/);
    const inner = folder("shared/inner");
    expect(() => parseTierSpecs([`MEM:${shared}:1MiB`, `HDD:${inner}:2MiB`])).toThrow(/share the folder/);
  });
  it("refuses a tier given twice", () => {
    expect(() => parseTierSpecs([`MEM:${folder("m1")}:1MiB`, `MEM:${folder("m2")}:2MiB`])).toThrow(/MEM is given twice/);
  });
  it("refuses a tier inside the data dir", () => {
    const data = folder("data");
    expect(() => parseTierSpecs([`MEM:${folder("data/mem")}:1MiB`], data)).toThrow(/overlaps the data dir/);
  });
  it(`takes at most ${TIERS_MAX} tiers`, () => {
    expect(() => parseTierSpecs(Array.from({ length: TIERS_MAX + 1 }, (_, i) => `MEM:${folder(`t${i}`)}:1MiB`))).toThrow(/at most 8/);
  });
});
