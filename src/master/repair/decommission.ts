// Decommissioning a peer (HDFS's DatanodeAdminManager): the operator marks a peer; placement
// stops choosing it at once; the leader copies every chunk it holds that would otherwise be
// short of its replication to other peers (racks respected), deleting the peer's replica of
// each chunk once enough copies exist elsewhere; when it holds nothing needed any more the
// peer is marked decommissioned and can be switched off without any chunk losing a replica.
//
// The state is in Raft, as the cluster setting "decommission/<peerId>" (value
// "decommissioning" or "decommissioned"), so a new leader carries on where the old one
// stopped. Progress figures are soft state of the leader.
//
// What to copy, where, and what to delete is decided by decommission-plan.ts (pure,
// unit-tested); this file reads the world into its view and carries the plan out, a few
// copies at once, on a LeaderLoop.
import { PersistState } from "../../protocol/pb/under-storage.ts";
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { Logger } from "../../util/log.ts";
import { encodeLogCommand } from "../state/log-command.ts";
import type { Namespace } from "../state/namespace.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import type { ReplicaOps } from "./replica-ops.ts";
import { COMMIT_TIMEOUT_MS } from "../timeouts.ts";
import { RequestError } from "../../protocol/errors.ts";
import type { DecommissionState, DecommissionStatus } from "../../protocol/views.ts";
import { decommissionStateOf, DECOMMISSION_SETTING_PREFIX } from "../cluster/decommission-state.ts";
import { eligibleChunkServers, isChunkServer } from "../cluster/chunk-servers.ts";
import { LeaderLoop, InFlightBudget, runBounded, type TimerSource } from "../leader-loop.ts";
import { assessDrain, planDrain, type DecommissionView, type DrainAssessment } from "./decommission-plan.ts";

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
  timers?: TimerSource;
}

interface Progress {
  copiesMade: number;
  replicasToMove: number;
  replicasHeld: number;
  blocked: number;
}

export class Decommissioner {
  private readonly loop: LeaderLoop<void>;
  private readonly progress = new Map<string, Progress>();
  private readonly rand: (n: number) => number;
  /** Copies in flight per decommissioning peer, against DECOMMISSION_COPIES_INFLIGHT_MAX. */
  private readonly copiesInFlight = new InFlightBudget("decommission copies", DECOMMISSION_COPIES_INFLIGHT_MAX);

  constructor(private readonly init: DecommissionerInit) {
    this.rand = init.rand ?? ((n) => Math.floor(Math.random() * n));
    this.loop = new LeaderLoop({
      name: "decommission",
      intervalMs: init.intervalMs ?? DECOMMISSION_INTERVAL_MS_DEFAULT,
      isLeader: () => init.raft.isLeader,
      round: (signal) => this.round(signal),
      log: init.log,
      timers: init.timers,
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Marks `peer` decommissioning (idempotent). Throws RequestError UNKNOWN_PEER for a peer nobody knows. */
  async begin(peer: string): Promise<DecommissionStatus> {
    const known = this.init.membership.table.get(peer);
    if (!known) throw new RequestError("UNKNOWN_PEER", `no peer ${JSON.stringify(peer.slice(0, 80))} is known to the cluster (see tessera cluster peers)`);
    if (!isChunkServer(known)) throw new RequestError("INVALID", `${peer} is not a chunk server: there is nothing to decommission`);
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
  async runRound(): Promise<void> {
    await this.loop.runRound();
  }

  private async round(signal: AbortSignal): Promise<void> {
    for (const record of this.init.membership.table.list()) {
      if (signal.aborted) return;
      if (decommissionStateOf(this.init.namespace, record.id) !== "decommissioning") continue;
      if (record.state !== "alive") continue; // a dead peer's chunks are re-replicated anyway
      await this.drain(record.id, signal);
    }
  }

  /** What the planner sees of `peer` and the cluster now. */
  private view(peer: string): DecommissionView {
    return {
      held: this.init.locations.replicasOf(peer),
      ownerOf: (chunkId) => {
        const owner = this.safeOwner(chunkId);
        return owner ? { version: owner.version, committed: owner.committed, ...this.fileOf(owner.path) } : undefined;
      },
      holdersOf: (chunkId) => this.init.locations.replicas(chunkId),
      eligible: eligibleChunkServers(this.init.membership.table.list(), this.init.namespace),
    };
  }

  private measure(peer: string): Progress {
    const assessment = assessDrain(this.view(peer));
    return { copiesMade: 0, replicasHeld: assessment.held, replicasToMove: assessment.toMove, blocked: 0 };
  }

  private async drain(peer: string, signal: AbortSignal): Promise<void> {
    const progress = this.progress.get(peer) ?? { copiesMade: 0, replicasToMove: 0, replicasHeld: 0, blocked: 0 };
    this.progress.set(peer, progress);
    const view = this.view(peer);
    const before = assessDrain(view);
    noteAssessment(progress, before);
    const plan = planDrain(before, view.eligible, DECOMMISSION_COPIES_PER_ROUND_MAX, this.rand);
    await runBounded(plan.items, DECOMMISSION_COPIES_INFLIGHT_MAX, async (item) => {
      if (signal.aborted) return;
      try {
        for (const target of item.targets) {
          this.copiesInFlight.take(peer);
          try {
            await this.init.ops.copy(item, peer, target);
          } finally {
            this.copiesInFlight.give(peer);
          }
          progress.copiesMade += 1;
        }
        // Enough copies elsewhere: this peer's replica is no longer needed, and deleting it
        // now keeps the chunk from looking over-replicated to the re-replication planner.
        if (item.deleteAfter) await this.init.ops.delete(peer, [{ chunkId: item.chunkId, version: item.version }]);
      } catch (err) {
        this.init.log.debug("a decommission copy failed; retried next round", { peer, chunk: item.chunkId, err });
      }
    });
    progress.blocked = plan.blocked;
    const after = assessDrain(this.view(peer));
    noteAssessment(progress, after);
    if (after.decommissioned && this.init.raft.isLeader) {
      await this.setState(peer, "decommissioned");
      this.init.log.info("a peer is decommissioned: it holds no replica the cluster needs", { peer, copies: progress.copiesMade });
    }
  }

  private async setState(peer: string, state: DecommissionState): Promise<void> {
    await this.init.raft.propose(encodeLogCommand({ setSetting: { key: `${DECOMMISSION_SETTING_PREFIX}${peer}`, value: new TextEncoder().encode(state) } }), COMMIT_TIMEOUT_MS);
  }

  private safeOwner(chunkId: string) {
    try {
      return this.init.namespace.fileOfChunk(chunkId);
    } catch {
      return undefined;
    }
  }

  /** The file's replication, and whether its bytes are in an under-storage (its copies a cache). */
  private fileOf(path: string): { replication: number; cacheOnly: boolean } {
    try {
      const stat = this.init.namespace.stat(path);
      const ufs = stat.underStorage;
      return { replication: stat.replication, cacheOnly: ufs?.persistState === PersistState.PERSISTED && ufs.fingerprint !== "" };
    } catch {
      return { replication: 1, cacheOnly: false };
    }
  }
}

function noteAssessment(progress: Progress, assessment: DrainAssessment): void {
  progress.replicasHeld = assessment.held;
  progress.replicasToMove = assessment.toMove;
}
