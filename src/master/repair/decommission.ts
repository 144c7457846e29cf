// Decommissioning a peer (HDFS's DatanodeAdminManager): the operator marks a peer; placement
// stops choosing it at once; the leader copies every chunk it holds that would otherwise be
// short of its replication to other peers (racks respected), deleting the peer's replica of
// each chunk once enough copies exist elsewhere; when it holds nothing needed any more the
// peer is marked decommissioned and can be switched off without any chunk losing a replica.
//
// The state is in Raft, as the cluster setting "decommission/<peerId>" (value
// "decommissioning" or "decommissioned"), so a new leader carries on where the old one
// stopped. Progress figures are soft state of the leader.
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { Logger } from "../../util/log.ts";
import { encodeCommand } from "../state/state-machine.ts";
import type { Namespace } from "../state/namespace.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import type { ReplicaOps } from "./replica-ops.ts";
import { COMMIT_TIMEOUT_MS } from "../timeouts.ts";
import { chooseTargets, type PlacementPeer } from "../cluster/placement.ts";
import { RequestError } from "../../protocol/errors.ts";
import type { DecommissionState, DecommissionStatus } from "../../protocol/views.ts";
import { decommissionStateOf, isExcludedFromPlacement, DECOMMISSION_SETTING_PREFIX } from "../cluster/decommission-state.ts";

/** How often the leader works on the peers being decommissioned. */
export const DECOMMISSION_INTERVAL_MS_DEFAULT = 1_000;
/** Copies run at once per decommissioning peer: enough to keep a disk busy, not a network. */
export const DECOMMISSION_COPIES_INFLIGHT_MAX = 4;
/** Copies started per round and peer; the rest wait for the next round. */
export const DECOMMISSION_COPIES_PER_ROUND_MAX = 64;

export interface DecommissionerInit {
  raft: RaftNode;
  namespace: Namespace;
  locations: ChunkLocations;
  membership: MembershipService;
  ops: ReplicaOps;
  log: Logger;
  intervalMs?: number;
  rand?: (n: number) => number;
}

interface Progress {
  copiesMade: number;
  replicasToMove: number;
  replicasHeld: number;
  blocked: number;
}

export class Decommissioner {
  private timer?: ReturnType<typeof setInterval>;
  private running?: Promise<void>;
  private readonly progress = new Map<string, Progress>();
  private readonly rand: (n: number) => number;

  constructor(private readonly init: DecommissionerInit) {
    this.rand = init.rand ?? ((n) => Math.floor(Math.random() * n));
  }

  start(): void {
    this.timer = setInterval(() => void this.runRound().catch((err: unknown) => this.init.log.warn("decommission round failed", { err })), this.init.intervalMs ?? DECOMMISSION_INTERVAL_MS_DEFAULT);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Marks `peer` decommissioning (idempotent). Throws RequestError UNKNOWN_PEER for a peer nobody knows. */
  async begin(peer: string): Promise<DecommissionStatus> {
    const known = this.init.membership.table.get(peer);
    if (!known) throw new RequestError("UNKNOWN_PEER", `no peer ${JSON.stringify(peer.slice(0, 80))} is known to the cluster (see tessera cluster peers)`);
    if (!known.heartbeat.roles.includes("chunk")) throw new RequestError("INVALID", `${peer} is not a chunk server: there is nothing to decommission`);
    if (!decommissionStateOf(this.init.namespace, peer)) {
      await this.setState(peer, "decommissioning");
      this.init.log.info("decommissioning a peer", { peer });
    }
    return this.status(peer);
  }

  status(peer: string): DecommissionStatus {
    const state = decommissionStateOf(this.init.namespace, peer);
    if (!state && !this.init.membership.table.get(peer)) throw new RequestError("UNKNOWN_PEER", `no peer ${JSON.stringify(peer.slice(0, 80))} is known to the cluster (see tessera cluster peers)`);
    const progress = this.progress.get(peer) ?? this.measure(peer);
    return { peer, state: state ?? "none", ...progress };
  }

  /** One round over every peer being decommissioned; rounds never overlap. */
  runRound(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<void> {
    if (!this.init.raft.isLeader) return;
    for (const record of this.init.membership.table.list()) {
      if (decommissionStateOf(this.init.namespace, record.id) !== "decommissioning") continue;
      if (record.state !== "alive") continue; // a dead peer's chunks are re-replicated anyway
      await this.drain(record.id);
    }
  }

  /** Peers that may receive copies: alive chunk servers not being decommissioned. */
  private eligiblePeers(): PlacementPeer[] {
    return this.init.membership.table
      .inState("alive")
      .filter((record) => record.heartbeat.roles.includes("chunk") && !isExcludedFromPlacement(this.init.namespace, record.id))
      .map((record) => ({ id: record.id, rack: record.heartbeat.rack, freeBytes: Number(record.heartbeat.freeBytes) }));
  }

  /** What the peer holds that is still needed, and what it takes to move it. */
  private plan(peer: string) {
    const eligible = this.eligiblePeers();
    const byId = new Map(eligible.map((p) => [p.id, p]));
    const work: Array<{ chunkId: string; version: number; sizeBytes: number; good: PlacementPeer[]; holders: Set<string>; needed: number }> = [];
    let held = 0;
    let uncommitted = 0;
    for (const replica of this.init.locations.replicasOf(peer)) {
      const owner = this.safeOwner(replica.chunkId);
      // Garbage (no file, or an older version) is the collector's: not needed.
      if (!owner || replica.version !== owner.version) continue;
      held += 1;
      if (!owner.committed) {
        uncommitted += 1;
        continue;
      }
      const replication = this.replicationOf(owner.path);
      const all = this.init.locations.replicas(replica.chunkId);
      const good = all.filter((r) => r.version === owner.version && byId.has(r.peer)).map((r) => byId.get(r.peer)!);
      // Fewer eligible peers than the replication: as many copies as there are peers.
      const needed = Math.max(1, Math.min(replication, eligible.length));
      work.push({ chunkId: replica.chunkId, version: owner.version, sizeBytes: replica.sizeBytes, good, holders: new Set(all.map((r) => r.peer)), needed });
    }
    return { eligible, work, held, uncommitted };
  }

  private measure(peer: string): Progress {
    const { work, held, uncommitted } = this.plan(peer);
    return { copiesMade: 0, replicasHeld: held, replicasToMove: work.filter((w) => w.good.length < w.needed).length + uncommitted, blocked: 0 };
  }

  private async drain(peer: string): Promise<void> {
    const progress = this.progress.get(peer) ?? { copiesMade: 0, replicasToMove: 0, replicasHeld: 0, blocked: 0 };
    this.progress.set(peer, progress);
    const { eligible, work, held, uncommitted } = this.plan(peer);
    progress.replicasHeld = held;
    progress.replicasToMove = work.filter((w) => w.good.length < w.needed).length + uncommitted;
    let blocked = 0;
    let started = 0;
    const queue = [...work];
    const worker = async () => {
      for (;;) {
        const item = queue.shift();
        if (!item) return;
        try {
          while (item.good.length < item.needed) {
            if (started >= DECOMMISSION_COPIES_PER_ROUND_MAX) return;
            const [target] = chooseTargets(eligible, { replication: item.good.length + 1, sizeBytes: item.sizeBytes, exclude: item.holders, existing: item.good }, this.rand);
            if (!target) {
              blocked += 1;
              break;
            }
            started += 1;
            item.holders.add(target.id);
            await this.init.ops.copy(item, peer, target.id);
            item.good.push(target);
            progress.copiesMade += 1;
          }
          // Enough copies elsewhere: this peer's replica is no longer needed, and deleting it
          // now keeps the chunk from looking over-replicated to the re-replication planner.
          if (item.good.length >= item.needed) await this.init.ops.delete(peer, [{ chunkId: item.chunkId, version: item.version }]);
        } catch (err) {
          this.init.log.debug("a decommission copy failed; retried next round", { peer, chunk: item.chunkId, err });
        }
      }
    };
    await Promise.all(Array.from({ length: DECOMMISSION_COPIES_INFLIGHT_MAX }, worker));
    progress.blocked = blocked;
    const after = this.plan(peer);
    progress.replicasHeld = after.held;
    progress.replicasToMove = after.work.filter((w) => w.good.length < w.needed).length + after.uncommitted;
    if (after.held === 0 && this.init.raft.isLeader) {
      await this.setState(peer, "decommissioned");
      this.init.log.info("a peer is decommissioned: it holds no replica the cluster needs", { peer, copies: progress.copiesMade });
    }
  }

  private async setState(peer: string, state: DecommissionState): Promise<void> {
    await this.init.raft.propose(encodeCommand({ op: "settings.set", key: `${DECOMMISSION_SETTING_PREFIX}${peer}`, value: new TextEncoder().encode(state) }), COMMIT_TIMEOUT_MS);
  }

  private safeOwner(chunkId: string) {
    try {
      return this.init.namespace.fileOfChunk(chunkId);
    } catch {
      return undefined;
    }
  }

  private replicationOf(path: string): number {
    try {
      return this.init.namespace.stat(path).replication;
    } catch {
      return 1;
    }
  }
}
