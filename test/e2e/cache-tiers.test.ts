// Cache tiers end to end (issue 16, "What must be shown"): one peer of the compiled binary with a
// 64 MiB MEM tier and a 256 MiB HDD tier reads 512 MiB of a mounted s3rver bucket twice. The
// MEM tier fills and demotes to HDD, HDD evicts, and `cache stat` shows both; a pinned file stays
// in MEM throughout; CACHE_PROMOTE moves a copy read from HDD up to MEM; every read is exact.
//
// The sizes are the issue's. They cannot shrink in proportion: a mounted file's chunks are the
// cluster's default 64 MiB, a tier smaller than a chunk holds nothing, and MEM must hold a
// pinned file and still have room to demote others. So the data are 16 MiB files (one chunk
// each), the MEM tier holds four of them.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, PeerProcesses } from "../support/processes.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";
import { cacheStatJson, fsBytes, ok, startCacheCluster, statJson, type CacheCluster } from "../support/cache-cluster.ts";
import { createBucket, putObject, randomBody, sameBytes, startS3rver, type RunningS3rver } from "../support/under-s3.ts";

const MiB = 1024 * 1024;
const MEM_TIER_BYTES = 64 * MiB;
const HDD_TIER_BYTES = 256 * MiB;
const FILE_BYTES = 16 * MiB;
const DATA_BYTES = 512 * MiB;
const FILES = DATA_BYTES / FILE_BYTES;

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let scratch: string;
let cluster: CacheCluster;
let env: Record<string, string>;
let s3rver: RunningS3rver;
/** Each file's bytes are derived from its index (kept small in memory: one seed block repeated with the index mixed in). */
const seed = randomBody(64 * 1024);

function body(index: number): Uint8Array {
  const out = new Uint8Array(FILE_BYTES);
  for (let at = 0; at < FILE_BYTES; at += seed.length) out.set(seed, at);
  // Every 4 KiB block carries its file index and offset: a block of the wrong file or place never matches.
  const view = new DataView(out.buffer);
  for (let at = 0; at < FILE_BYTES; at += 4096) {
    view.setUint32(at, index);
    view.setUint32(at + 4, at);
  }
  return out;
}

beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("cache-tiers");
  scratch = join(root.path, "scratch");
  for (const dir of ["scratch", "mem", "hdd"]) mkdirSync(join(root.path, dir));
  s3rver = await startS3rver();
  await createBucket(s3rver, "tiers");
  for (let i = 0; i < FILES; i++) await putObject(s3rver, "tiers", `data/part-${String(i).padStart(3, "0")}`, body(i));
  await putObject(s3rver, "tiers", "pinned.bin", body(FILES));
  cluster = await startCacheCluster(processes, root.path, "peer", 1, () => ["--tier", `MEM:${join(root.path, "mem")}:64MiB`, "--tier", `HDD:${join(root.path, "hdd")}:256MiB`]);
  env = cluster.env;
  await ok(env, [
    "fs", "mount", "/t", "s3://tiers",
    "--option", `endpoint=${s3rver.endpoint}`, "--option", "path_style=true",
    "--option", `access_key=${s3rver.credentials.accessKeyId}`, "--option", `secret_key=${s3rver.credentials.secretAccessKey}`,
    "--sync-interval", "-1",
  ]);
  // Listed once (the mount's interval is -1): every file is known from here on.
  expect(await ok(env, ["fs", "ls", "/t"])).toContain("/t/pinned.bin");
  expect(await ok(env, ["fs", "ls", "/t/data"])).toContain(`Found ${FILES} items`);
}, 300_000);

afterAll(async () => {
  await processes?.stopAll();
  await s3rver?.remove();
  root?.remove();
});

describe("a peer with a 64 MiB MEM tier and a 256 MiB HDD tier", () => {
  it("reports its tiers in cache stat", async () => {
    const stat = await waitFor("the tiers in the report", async () => {
      const answer = await cacheStatJson(env);
      return answer.tiers.length === 2 ? answer : undefined;
    }, { timeoutMs: 20_000, intervalMs: 300 });
    expect(stat.tiers.map((tier) => [tier.name, tier.capacityBytes])).toEqual([["MEM", MEM_TIER_BYTES], ["HDD", HDD_TIER_BYTES]]);
  }, 60_000);

  it("keeps a pinned file in MEM", async () => {
    await ok(env, ["cache", "pin", "/t/pinned.bin"]);
    await ok(env, ["cache", "load", "/t/pinned.bin"]);
    const stat = await statJson(env, "/t/pinned.bin");
    expect(stat.cache).toEqual({ totalBytes: FILE_BYTES, cachedBytes: FILE_BYTES, byTier: { MEM: FILE_BYTES } });
    expect(await ok(env, ["fs", "stat", "/t/pinned.bin"])).toContain("In Memory: 100%");
  }, 60_000);

  it("reads 512 MiB twice, every byte exact, demoting from MEM and evicting from HDD; the pinned file stays in MEM", async () => {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < FILES; i++) {
        const got = await fsBytes(env, scratch, `/t/data/part-${String(i).padStart(3, "0")}`);
        expect(sameBytes(got, body(i)), `pass ${pass}, file ${i}`).toBe(true);
      }
    }
    const stat = await waitFor("demotions and evictions in cache stat", async () => {
      const answer = await cacheStatJson(env);
      const mem = answer.tiers.find((tier) => tier.name === "MEM");
      const hdd = answer.tiers.find((tier) => tier.name === "HDD");
      return mem && hdd && mem.demotions > 0 && hdd.evictions > 0 && answer.misses >= FILES ? answer : undefined;
    }, { timeoutMs: 20_000, intervalMs: 300 });
    const mem = stat.tiers.find((tier) => tier.name === "MEM")!;
    const hdd = stat.tiers.find((tier) => tier.name === "HDD")!;
    expect(mem.usedBytes).toBeLessThanOrEqual(MEM_TIER_BYTES);
    expect(hdd.usedBytes).toBeLessThanOrEqual(HDD_TIER_BYTES);
    expect(mem.pinnedChunks).toBe(1);
    // The text says the same.
    const text = await ok(env, ["cache", "stat"]);
    expect(text).toMatch(/^Hit rate: \d+\.\d% \(\d+ hits, \d+ misses\)\n/);
    expect(text).toMatch(/\nMEM +1 +64\.0 MiB /);

    const pinned = await statJson(env, "/t/pinned.bin");
    expect(pinned.cache?.byTier).toEqual({ MEM: FILE_BYTES });
    expect(sameBytes(await fsBytes(env, scratch, "/t/pinned.bin"), body(FILES))).toBe(true);
  }, 900_000);

  it("moves a copy read from HDD up to MEM with CACHE_PROMOTE", async () => {
    // The last files read are the ones still cached; find one in HDD.
    let inHdd: number | undefined;
    for (let i = FILES - 1; i >= 0 && inHdd === undefined; i--) {
      const stat = await statJson(env, `/t/data/part-${String(i).padStart(3, "0")}`);
      if (stat.cache?.byTier.HDD === FILE_BYTES) inHdd = i;
    }
    expect(inHdd).toBeDefined();
    const path = `/t/data/part-${String(inHdd).padStart(3, "0")}`;
    const promotionsBefore = (await cacheStatJson(env)).tiers.find((tier) => tier.name === "MEM")!.promotions;
    expect(sameBytes(await fsBytes(env, scratch, path, "CACHE_PROMOTE"), body(inHdd!))).toBe(true);
    await waitFor("the copy in MEM", async () => (await statJson(env, path)).cache?.byTier.MEM === FILE_BYTES, { timeoutMs: 20_000, intervalMs: 200 });
    await waitFor("the promotion counted", async () => (await cacheStatJson(env)).tiers.find((tier) => tier.name === "MEM")!.promotions > promotionsBefore, { timeoutMs: 20_000, intervalMs: 300 });
    // The pinned file was not pushed out to make room.
    expect((await statJson(env, "/t/pinned.bin")).cache?.byTier).toEqual({ MEM: FILE_BYTES });
  }, 120_000);
});
