// Peer-table records and namespace settings for the leader's planners' tests: what the
// membership table and the namespace would hold, without a cluster.
import type { PeerRecord } from "../../src/membership/peer-table.ts";
import type { PeerState } from "../../src/protocol/views.ts";
import { DECOMMISSION_SETTING_PREFIX } from "../../src/master/cluster/decommission-state.ts";

export const GiB = 1024 * 1024 * 1024;

export interface RecordSpec {
  state?: PeerState;
  roles?: string[];
  freeGiB?: number;
  capacityGiB?: number;
}

export function record(id: string, rack: string, spec: RecordSpec = {}): PeerRecord {
  const capacityGiB = spec.capacityGiB ?? 100;
  return {
    id,
    state: spec.state ?? "alive",
    lastSeenMs: 0,
    stateSinceMs: 0,
    isSelf: false,
    heartbeat: {
      peerId: id,
      addresses: [`/ip4/127.0.0.1/tcp/1/p2p/${id}`],
      rack,
      capacityBytes: BigInt(capacityGiB * GiB),
      freeBytes: BigInt((spec.freeGiB ?? capacityGiB) * GiB),
      chunkCount: 0n,
      loadMilli: 0,
      roles: spec.roles ?? ["chunk", "compute", "master-candidate"],
      incarnation: 1n,
      sequence: 1n,
      cores: 2,
      leaderTerm: 0n,
      httpAddress: "", tiers: [],
    },
  };
}

/** A namespace's settings with the given peers' decommission states. */
export function decommissionSettings(states: Record<string, "decommissioning" | "decommissioned">) {
  const values = new Map(Object.entries(states).map(([peer, state]) => [`${DECOMMISSION_SETTING_PREFIX}${peer}`, new TextEncoder().encode(state)]));
  return { getSetting: (key: string) => values.get(key) };
}
