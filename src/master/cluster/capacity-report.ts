// The cluster's capacity as the leader sees it (like `hdfs dfsadmin -report`): each chunk
// server's disk from its heartbeats (capacity, free), the bytes of chunk replicas it holds
// from the location map (used), and the totals over the peers not dead. Pure: the caller
// passes the peer table's records and the map.
import type { PeerRecord } from "../../membership/peer-table.ts";
import type { ChunkLocations } from "./locations.ts";
import { isChunkServer } from "./chunk-servers.ts";
import type { PeerState, CapacityReport, PeerCapacity } from "../../protocol/views.ts";

export function capacityReport(records: readonly PeerRecord[], locations: ChunkLocations, nowMs: number): CapacityReport {
  const peers: PeerCapacity[] = [];
  for (const record of records) {
    if (!isChunkServer(record)) continue;
    const capacityBytes = Number(record.heartbeat.capacityBytes);
    let usedBytes = 0;
    const replicas = locations.replicasOf(record.id);
    for (const replica of replicas) usedBytes += replica.sizeBytes;
    peers.push({
      peer: record.id,
      rack: record.heartbeat.rack,
      state: record.state,
      addresses: [...record.heartbeat.addresses],
      capacityBytes,
      usedBytes,
      remainingBytes: Number(record.heartbeat.freeBytes),
      usedPercent: percent(usedBytes, capacityBytes),
      chunks: replicas.length,
      lastSeenAgoMs: record.isSelf ? 0 : Math.max(0, Math.round(nowMs - record.lastSeenMs)),
      tiers: [...(record.heartbeat.tiers ?? [])],
    });
  }
  const counted = peers.filter((peer) => peer.state !== "dead");
  const capacityBytes = sum(counted.map((peer) => peer.capacityBytes));
  const usedBytes = sum(counted.map((peer) => peer.usedBytes));
  const remainingBytes = sum(counted.map((peer) => peer.remainingBytes));
  return {
    capacityBytes,
    usedBytes,
    remainingBytes,
    nonChunkUsedBytes: Math.max(0, capacityBytes - remainingBytes - usedBytes),
    usedPercent: percent(usedBytes, capacityBytes),
    livePeers: peers.filter((peer) => peer.state === "alive").length,
    suspectPeers: peers.filter((peer) => peer.state === "suspect").length,
    deadPeers: peers.filter((peer) => peer.state === "dead").length,
    peers,
  };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0;
}
