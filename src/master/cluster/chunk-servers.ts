// Which peers are chunk servers, as the leader's services see them: one place decides, so
// placement of new chunks, re-replication, the balancer, decommissioning, fsck and the
// capacity report can never disagree on who may hold data. Pure: the caller passes the
// peer table's records (ordered by id, PeerTable.list) and the namespace's settings.
import type { PeerRecord } from "../../membership/peer-table.ts";
import type { Namespace } from "../state/namespace.ts";
import type { PeerState } from "../../protocol/views.ts";
import type { PlacementPeer } from "./placement.ts";
import { isExcludedFromPlacement } from "./decommission-state.ts";

/** A chunk server that may receive data now: what placement needs, plus its disk's size. */
export interface EligibleChunkServer extends PlacementPeer {
  /** The capacity its heartbeat advertises (the balancer's denominator). */
  capacityBytes: number;
}

/** A chunk server in any state, as fsck and the replicator judge replicas by it. */
export interface ChunkServerState extends PlacementPeer {
  state: PeerState;
}

/** Whether the peer runs the chunk-server role (a peer may run as a master or worker only). */
export function isChunkServer(record: Pick<PeerRecord, "heartbeat">): boolean {
  return record.heartbeat.roles.includes("chunk");
}

/**
 * The chunk servers new data may go to: alive (GFS §4.2: a suspect peer is not trusted with
 * new work), role "chunk", and not being decommissioned (HDFS: a draining DataNode is never
 * a target). In the records' order, so a seeded placement is reproducible.
 */
export function eligibleChunkServers(records: readonly PeerRecord[], namespace: Pick<Namespace, "getSetting">): EligibleChunkServer[] {
  const eligible: EligibleChunkServer[] = [];
  for (const record of records) {
    if (record.state !== "alive" || !isChunkServer(record) || isExcludedFromPlacement(namespace, record.id)) continue;
    eligible.push({ id: record.id, rack: record.heartbeat.rack, freeBytes: Number(record.heartbeat.freeBytes), capacityBytes: Number(record.heartbeat.capacityBytes) });
  }
  return eligible;
}

/**
 * Every chunk server the table knows, with its liveness: fsck and the replicator count a
 * replica only on an alive one, wait for a suspect one, and write off a dead one (GFS §4.3).
 * Decommissioning peers are included: their replicas still serve reads while they drain.
 */
export function chunkServerStates(records: readonly PeerRecord[]): Map<string, ChunkServerState> {
  const servers = new Map<string, ChunkServerState>();
  for (const record of records) {
    if (!isChunkServer(record)) continue;
    servers.set(record.id, { id: record.id, rack: record.heartbeat.rack, freeBytes: Number(record.heartbeat.freeBytes), state: record.state });
  }
  return servers;
}
