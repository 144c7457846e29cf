// A peer started with --tier's options: cache copies written through Peer.cacheTiers land in
// MEM, demote to HDD, and the tiers show in heartbeats (the leader's report), /metrics and
// block reports; a restart keeps them.
import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { TestPeers } from "../support/peers.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";
import { parsePrometheusText } from "../support/prometheus.ts";
import { bytesOf, idOf } from "../chunk/store-suite.ts";
import type { TierSpec } from "../../src/cache/tiers.ts";
import { readChunkLocal } from "../../src/chunk/transfer/read-protocol.ts";

const MiB = 1024 * 1024;
const COPY_BYTES = 256 * 1024;

const peers = new TestPeers();
const dir = tempDir("peer-tiers");
afterAll(async () => {
  await peers.stopAll();
  dir.remove();
});

describe("a peer with cache tiers", () => {
  it("keeps cache copies in its tiers and shows them in the report, /metrics and block reports", async () => {
    mkdirSync(join(dir.path, "mem"));
    mkdirSync(join(dir.path, "hdd"));
    const tiers: TierSpec[] = [
      { name: "MEM", dir: join(dir.path, "mem"), capacityBytes: 1 * MiB },
      { name: "HDD", dir: join(dir.path, "hdd"), capacityBytes: 2 * MiB },
    ];
    const dataDir = join(dir.path, "data");
    // The leader's GC would drop these copies (no file names them) only after its grace.
    const options = { dataDir, listen: ["/ip4/127.0.0.1/tcp/0"], http: "127.0.0.1:0", tiers, cachePolicy: "LRU" as const, gcGraceMs: 600_000, heartbeatIntervalMs: 200, blockReportIntervalMs: 100 };
    const peer = await peers.start(options);
    for (let n = 1; n <= 6; n++) {
      const writer = await peer.cacheTiers.createCacheWriter(idOf(n), 1, COPY_BYTES);
      await writer.write(bytesOf(COPY_BYTES, n));
      await writer.commit();
    }
    expect([1, 2, 3, 4, 5, 6].map((n) => peer.cacheTiers.tierOf(idOf(n)))).toEqual(["HDD", "HDD", "MEM", "MEM", "MEM", "MEM"]);
    // Through the peer's store, as the read protocol reads it: one hit of HDD.
    expect(Buffer.compare(await peer.chunkStore.read(idOf(1), 1, 0, COPY_BYTES), bytesOf(COPY_BYTES, 1))).toBe(0);
    // Straight from its file, as a client inside the peer reads a local replica: one hit of MEM.
    const pieces: Uint8Array[] = [];
    for await (const piece of readChunkLocal(peer.chunkStore, { chunkId: idOf(6), version: 1, offsetBytes: 0, lengthBytes: COPY_BYTES })) pieces.push(piece);
    expect(Buffer.compare(Buffer.concat(pieces), bytesOf(COPY_BYTES, 6))).toBe(0);
    expect(peer.cacheTiers.tierUsage().map((tier) => tier.hits)).toEqual([1, 1]);

    const report = await waitFor(
      "the report to show the tiers",
      async () => {
        const found = (await peer.admin.report()).peers.find((row) => row.peer === peer.id);
        return found && found.tiers.length === 2 && found.tiers[1]!.chunks === 2 ? found : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(report.tiers.map((tier) => [tier.name, tier.capacityBytes, tier.usedBytes, tier.chunks, tier.demotions])).toEqual([
      ["MEM", 1 * MiB, 1 * MiB, 4, 2],
      ["HDD", 2 * MiB, 512 * 1024, 2, 0],
    ]);
    expect(report.tiers[1]!.hits).toBe(1);

    const metrics = parsePrometheusText(await (await fetch(`${peer.httpUrl}/metrics`)).text());
    const sample = (name: string, tier: string) => metrics.samples.find((s) => s.name === name && s.labels.tier === tier)?.value;
    expect(sample("tessera_cache_tier_capacity_bytes", "MEM")).toBe(1 * MiB);
    expect(sample("tessera_cache_tier_used_bytes", "HDD")).toBe(512 * 1024);
    expect(sample("tessera_cache_tier_demotions_total", "MEM")).toBe(2);
    expect(sample("tessera_cache_tier_hits_total", "HDD")).toBe(1);
    expect(metrics.types.get("tessera_cache_tier_evictions_total")).toBe("counter");

    // A restart with the same tiers finds its copies where they were.
    await peer.stop();
    peers.peers.splice(peers.peers.indexOf(peer), 1);
    const again = await peers.start({ ...options, listen: undefined });
    expect([1, 2, 3, 4, 5, 6].map((n) => again.cacheTiers.tierOf(idOf(n)))).toEqual(["HDD", "HDD", "MEM", "MEM", "MEM", "MEM"]);
    expect(again.cacheTiers.tierUsage().map((tier) => tier.chunks)).toEqual([4, 2]);
  }, 60_000);
});
