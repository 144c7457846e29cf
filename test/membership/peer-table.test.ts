import { describe, it, expect } from "vitest";
import { PeerTable, PeerTableFullError, validateFailureDetectorConfig, type FailureDetectorConfig } from "../../src/membership/peer-table.ts";
import type { Heartbeat } from "../../src/membership/heartbeat.ts";
import { PEERS_LISTED_MAX } from "../../src/protocol/limits.ts";

const config: FailureDetectorConfig = { suspectAfterMs: 3_000, deadAfterMs: 10_000, forgetAfterMs: 60_000 };

function heartbeat(peerId: string, incarnation = 1n, sequence = 1n): Heartbeat {
  return { peerId, addresses: [], rack: "/r1", capacityBytes: 100n, freeBytes: 50n, chunkCount: 0n, loadMilli: 0, roles: [], incarnation, sequence, cores: 2, leaderTerm: 0n, httpAddress: "", tiers: [] };
}

describe("PeerTable failure detector", () => {
  it("moves a silent peer alive -> suspect -> dead, and back to alive when it speaks", () => {
    const table = new PeerTable("self", config);
    expect(table.observe(heartbeat("a"), 0)?.to).toBe("alive");
    expect(table.tick(2_999)).toEqual([]);
    expect(table.tick(3_000).map((c) => [c.id, c.from, c.to])).toEqual([["a", "alive", "suspect"]]);
    expect(table.tick(9_999)).toEqual([]);
    expect(table.tick(10_000).map((c) => [c.id, c.from, c.to])).toEqual([["a", "suspect", "dead"]]);
    const back = table.observe(heartbeat("a", 2n, 1n), 12_000);
    expect([back?.from, back?.to]).toEqual(["dead", "alive"]);
    expect(table.get("a")?.state).toBe("alive");
  });

  it("goes straight from alive to dead when ticks are sparse", () => {
    const table = new PeerTable("self", config);
    table.observe(heartbeat("a"), 0);
    expect(table.tick(10_500).map((c) => c.to)).toEqual(["dead"]);
  });

  it("ignores stale heartbeats: an older sequence or incarnation does not refresh a peer", () => {
    const table = new PeerTable("self", config);
    table.observe(heartbeat("a", 2n, 5n), 0);
    table.observe(heartbeat("a", 2n, 4n), 2_000);
    table.observe(heartbeat("a", 1n, 99n), 2_500);
    expect(table.get("a")?.lastSeenMs).toBe(0);
    expect(table.tick(3_000).map((c) => c.to)).toEqual(["suspect"]);
  });

  it("forgives a stall of its own: silence during it does not count against the others", () => {
    const table = new PeerTable("self", config);
    table.observe(heartbeat("a"), 0);
    table.forgive(8_000);
    expect(table.tick(9_000)).toEqual([]);
    expect(table.tick(11_000).map((c) => c.to)).toEqual(["suspect"]);
  });

  it("never marks itself suspect or dead", () => {
    const table = new PeerTable("self", config);
    table.observe(heartbeat("self"), 0);
    expect(table.tick(1_000_000)).toEqual([]);
    expect(table.get("self")?.state).toBe("alive");
  });

  it("forgets a peer dead past the forget timeout", () => {
    const table = new PeerTable("self", config);
    table.observe(heartbeat("a"), 0);
    table.tick(10_000);
    expect(table.tick(60_000).map((c) => c.to)).toEqual(["forgotten"]);
    expect(table.get("a")).toBeUndefined();
  });

  it("holds at most PEERS_LISTED_MAX peers", () => {
    const table = new PeerTable("self", config);
    for (let i = 0; i < PEERS_LISTED_MAX; i++) table.observe(heartbeat(`p${i}`), 0);
    expect(() => table.observe(heartbeat("one-too-many"), 0)).toThrow(PeerTableFullError);
    expect(table.size).toBe(PEERS_LISTED_MAX);
  });

  it("rejects timeouts in the wrong order with a clear message", () => {
    expect(() => validateFailureDetectorConfig({ ...config, deadAfterMs: 2_000 }, 1_000)).toThrow(/dead timeout must be longer than the suspect timeout/);
    expect(() => validateFailureDetectorConfig({ ...config, suspectAfterMs: 500 }, 1_000)).toThrow(/suspect timeout must be longer than the heartbeat interval/);
    expect(() => validateFailureDetectorConfig(config, 1_000)).not.toThrow();
  });
});
