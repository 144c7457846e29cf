import { describe, it, expect } from "vitest";
import { TIERS_MAX } from "../../src/protocol/mounts.ts";
import { decodeHeartbeat, encodeHeartbeat, HEARTBEAT_ADDRESSES_MAX, HEARTBEAT_BYTES_MAX, MalformedHeartbeatError, type Heartbeat } from "../../src/membership/heartbeat.ts";

const valid: Heartbeat = {
  peerId: "12D3KooWExample",
  addresses: ["/ip4/127.0.0.1/tcp/7070/p2p/12D3KooWExample"],
  rack: "/rack1",
  capacityBytes: 1000n,
  freeBytes: 400n,
  chunkCount: 3n,
  loadMilli: 1500,
  roles: ["chunk"],
  incarnation: 2n,
  sequence: 7n,
  cores: 2,
  leaderTerm: 0n,
  httpAddress: "127.0.0.1:9870",
  tiers: [],
};

describe("heartbeat codec", () => {
  it("round-trips a heartbeat", () => {
    expect(decodeHeartbeat(encodeHeartbeat(valid))).toEqual(valid);
  });

  it("rejects a message over HEARTBEAT_BYTES_MAX before decoding it", () => {
    expect(() => decodeHeartbeat(new Uint8Array(HEARTBEAT_BYTES_MAX + 1))).toThrow(/exceeds/);
  });

  it("rejects more addresses than HEARTBEAT_ADDRESSES_MAX", () => {
    const many = { ...valid, addresses: Array.from({ length: HEARTBEAT_ADDRESSES_MAX + 1 }, (_, i) => `/ip4/127.0.0.1/tcp/${i}`) };
    expect(() => decodeHeartbeat(encodeHeartbeat(many))).toThrow(MalformedHeartbeatError);
  });

  it("rejects bytes that are not protobuf", () => {
    expect(() => decodeHeartbeat(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]))).toThrow(MalformedHeartbeatError);
  });

  it("rejects heartbeats that decode but make no sense", () => {
    expect(() => decodeHeartbeat(encodeHeartbeat({ ...valid, peerId: "" }))).toThrow(/peer id/);
    expect(() => decodeHeartbeat(encodeHeartbeat({ ...valid, rack: "" }))).toThrow(/rack/);
    expect(() => decodeHeartbeat(encodeHeartbeat({ ...valid, freeBytes: 2000n }))).toThrow(/free bytes/);
    expect(() => decodeHeartbeat(encodeHeartbeat({ ...valid, addresses: ["not-a-multiaddr"] }))).toThrow(/address/);
    expect(() => decodeHeartbeat(encodeHeartbeat({ ...valid, incarnation: 0n }))).toThrow(/incarnation/);
    expect(() => decodeHeartbeat(encodeHeartbeat({ ...valid, httpAddress: "evil.example/path:80" }))).toThrow(/HTTP address/);
    expect(() => decodeHeartbeat(encodeHeartbeat({ ...valid, httpAddress: `${"a".repeat(300)}:80` }))).toThrow(/HTTP address/);
  });

  it("takes an HTTP address of a name, an IPv4 or a bracketed IPv6 address with a port, or none", () => {
    for (const httpAddress of ["", "node-1.example.com:9870", "10.0.0.7:80", "[::1]:9870"]) expect(decodeHeartbeat(encodeHeartbeat({ ...valid, httpAddress })).httpAddress).toBe(httpAddress);
  });

  it("carries the cache tiers, at most TIERS_MAX of known names, none fuller than its capacity", () => {
    const tier = { name: "MEM", capacityBytes: 64 * 2 ** 20, usedBytes: 2 ** 20, chunks: 1, hits: 5, misses: 1, evictions: 0, demotions: 2, promotions: 1, pinnedChunks: 1 };
    const withTiers = { ...valid, tiers: [tier, { ...tier, name: "HDD" }] };
    expect(decodeHeartbeat(encodeHeartbeat(withTiers))).toEqual(withTiers);
    expect(() => decodeHeartbeat(encodeHeartbeat({ ...valid, tiers: Array.from({ length: TIERS_MAX + 1 }, () => tier) }))).toThrow(MalformedHeartbeatError);
    expect(() => decodeHeartbeat(encodeHeartbeat({ ...valid, tiers: [{ ...tier, name: "RAM" }] }))).toThrow(/unknown name/);
    expect(() => decodeHeartbeat(encodeHeartbeat({ ...valid, tiers: [{ ...tier, usedBytes: tier.capacityBytes + 1 }] }))).toThrow(/fuller than its capacity/);
  });
});
