// The plain-JSON view of a peer that the API, the CLI and admin HTTP all show, so they never
// disagree about what a peer is.
import type { PeerEntry } from "./pb/membership.ts";
import type { PeerRecord, PeerState } from "./peer-table.ts";

export interface PeerView {
  id: string;
  addresses: string[];
  rack: string;
  state: PeerState;
  capacityBytes: number;
  freeBytes: number;
  chunkCount: number;
  /** One-minute load average. */
  load: number;
  cores: number;
  roles: string[];
  incarnation: number;
  lastSeenAgoMs: number;
}

export function peerViewFromEntry(entry: PeerEntry): PeerView {
  const heartbeat = entry.heartbeat;
  if (!heartbeat) throw new Error("peer entry without heartbeat");
  return {
    id: heartbeat.peerId,
    addresses: heartbeat.addresses,
    rack: heartbeat.rack,
    state: entry.state as PeerState,
    capacityBytes: Number(heartbeat.capacityBytes),
    freeBytes: Number(heartbeat.freeBytes),
    chunkCount: Number(heartbeat.chunkCount),
    load: heartbeat.loadMilli / 1000,
    cores: heartbeat.cores,
    roles: heartbeat.roles,
    incarnation: Number(heartbeat.incarnation),
    lastSeenAgoMs: Number(entry.lastSeenAgoMs),
  };
}

export function peerViewFromRecord(record: PeerRecord, nowMs: number): PeerView {
  return peerViewFromEntry({
    heartbeat: record.heartbeat,
    state: record.state,
    lastSeenAgoMs: BigInt(Math.max(0, Math.round(nowMs - record.lastSeenMs))),
  });
}
