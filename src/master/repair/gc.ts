// Garbage collection, on the leader (GFS §4.4): deleting a file only moves its chunks to the
// namespace's pending deletes; the replicas go lazily, after a grace period, from every peer
// the location map says holds them, and only then are the chunks dropped from the pending
// list through Raft. Chunks a block report lists that no file references and that are not
// pending either (aborted writes, replicas of a peer that was away when its chunks were
// collected) are deleted after the same grace period, counted from when this leader first
// saw them.
//
// Safe against a racing write: addChunk puts a chunk in the namespace before any replica can
// hold it, and a chunk the namespace references is never deleted here (checked again right
// before each deletion); the grace period covers a leader that has not applied every
// committed entry yet. Deletion is idempotent: a replica missed now is found again later.
//
// What to delete is decided by gc-plan.ts (pure, unit-tested); this file reads the world into
// its view, carries the plan out (a few deletes at once per peer) and proposes the drops.
// The rounds are a LeaderLoop's.
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { Logger } from "../../util/log.ts";
import { DROP_PENDING_MAX, CHUNK_PAGE_MAX } from "../state/limits.ts";
import type { Namespace } from "../state/namespace.ts";
import { encodeLogCommand } from "../state/log-command.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import type { ReplicaOps } from "./replica-ops.ts";
import { COMMIT_TIMEOUT_MS } from "../timeouts.ts";
import { LeaderLoop, InFlightBudget, runBounded, type TimerSource } from "../leader-loop.ts";
import { batches, collectedChunks, planOrphanCollection, planPendingCollection, type GcView, type PendingDelete, type ReplicaDeletes } from "./gc-plan.ts";

/** GFS keeps deleted files three days; a minute is enough to undo a wrong leader's hasty view. */
export const GC_GRACE_MS_DEFAULT = 60_000;
/** How often the leader collects. */
export const GC_INTERVAL_MS_DEFAULT = 5_000;
/** Pending deletes looked at per round: a huge delete is collected over several rounds. */
export const GC_PENDING_PER_ROUND_MAX = 50_000;
/** Unreferenced chunks remembered at once; more are noticed again in later reports. */
export const GC_ORPHANS_TRACKED_MAX = 100_000;
/** Delete requests in flight to one peer (its replicate service takes 16 streams per connection). */
export const GC_DELETES_INFLIGHT_PER_PEER = 4;

export interface GarbageCollectorInit {
  raft: RaftNode;
  namespace: Namespace;
  locations: ChunkLocations;
  membership: MembershipService;
  ops: ReplicaOps;
  log: Logger;
  graceMs?: number;
  intervalMs?: number;
  /** The wall clock: pending deletes carry the wall-clock time of the delete. */
  nowMs?: () => number;
  timers?: TimerSource;
}

export interface GcRoundResult {
  /** Replicas deleted from peers. */
  replicasDeleted: number;
  /** Chunks dropped from the pending deletes. */
  pendingDropped: number;
  /** Unreferenced chunks whose replicas were all deleted. */
  orphansCollected: number;
}

const NOTHING: GcRoundResult = { replicasDeleted: 0, pendingDropped: 0, orphansCollected: 0 };

export class GarbageCollector {
  private readonly graceMs: number;
  private readonly nowMs: () => number;
  /** Chunk id → when this leader first saw it unreferenced. */
  private readonly orphans = new Map<string, number>();
  private readonly loop: LeaderLoop<GcRoundResult>;
  /** Deletes in flight per peer, against GC_DELETES_INFLIGHT_PER_PEER. */
  private readonly deletesInFlight = new InFlightBudget("garbage deletes", GC_DELETES_INFLIGHT_PER_PEER);
  /** Totals for tests and metrics. */
  readonly stats = { rounds: 0, replicasDeleted: 0, pendingDropped: 0, orphansCollected: 0 };

  constructor(private readonly init: GarbageCollectorInit) {
    this.graceMs = init.graceMs ?? GC_GRACE_MS_DEFAULT;
    this.nowMs = init.nowMs ?? (() => Date.now());
    if (!(this.graceMs >= 0)) throw new RangeError(`the garbage collection grace period must be 0 or more, not ${this.graceMs} ms`);
    this.loop = new LeaderLoop({
      name: "garbage collection",
      intervalMs: init.intervalMs ?? GC_INTERVAL_MS_DEFAULT,
      isLeader: () => init.raft.isLeader,
      round: (signal) => this.round(signal),
      // A follower's view of orphans would be stale by the time it leads.
      follower: () => this.orphans.clear(),
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

  /** A block report listed a chunk no file references (called by the report service). */
  noteUnreferenced(chunkId: string): void {
    if (this.orphans.has(chunkId) || this.orphans.size >= GC_ORPHANS_TRACKED_MAX) return;
    this.orphans.set(chunkId, this.nowMs());
  }

  /** One collection; rounds never overlap. Only the leader collects. */
  async runRound(): Promise<GcRoundResult> {
    return (await this.loop.runRound()) ?? { ...NOTHING };
  }

  private async round(signal: AbortSignal): Promise<GcRoundResult> {
    const result: GcRoundResult = { ...NOTHING };
    const now = this.nowMs();
    const pending = this.pendingDeletes();

    // Pending deletes past the grace period: delete every known replica, then drop.
    const pendingPlan = planPendingCollection(pending, this.view(now));
    const dropped = collectedChunks(pendingPlan, await this.carryOut(pendingPlan, result));
    for (const batch of batches(dropped, DROP_PENDING_MAX)) {
      if (signal.aborted) return result;
      const outcome = (await this.init.raft.propose(encodeLogCommand({ dropPendingDeletes: { chunkIds: batch } }), COMMIT_TIMEOUT_MS)) as { dropped: number };
      result.pendingDropped += outcome.dropped;
    }
    if (signal.aborted) return result;

    // Unreferenced chunks past the grace period since first seen. Planned now, after the
    // pending deletes' I/O: the namespace is asked right before the deletions it guards.
    const pendingIds = new Set(pending.map((chunk) => chunk.chunkId));
    const orphanPlan = planOrphanCollection(this.orphans, (chunkId) => this.referenced(chunkId) || pendingIds.has(chunkId) || this.isPending(chunkId), this.view(now));
    for (const chunkId of orphanPlan.forget) this.orphans.delete(chunkId);
    for (const chunkId of collectedChunks(orphanPlan, await this.carryOut(orphanPlan, result))) {
      this.orphans.delete(chunkId);
      result.orphansCollected += 1;
    }

    this.stats.rounds += 1;
    this.stats.replicasDeleted += result.replicasDeleted;
    this.stats.pendingDropped += result.pendingDropped;
    this.stats.orphansCollected += result.orphansCollected;
    if (result.replicasDeleted + result.pendingDropped > 0) this.init.log.info("collected garbage", { ...result });
    return result;
  }

  /** The pending deletes, a bounded number per round: a huge delete is collected over several. */
  private pendingDeletes(): PendingDelete[] {
    const pending: PendingDelete[] = [];
    let after: string | undefined;
    while (pending.length < GC_PENDING_PER_ROUND_MAX) {
      const page = this.init.namespace.pendingDeletes({ ...(after ? { after } : {}), limit: CHUNK_PAGE_MAX });
      for (const chunk of page.chunks) pending.push({ chunkId: chunk.chunkId, deletedAtMs: chunk.deletedAtMs });
      if (!page.next) break;
      after = page.next;
    }
    return pending;
  }

  private view(nowMs: number): GcView {
    return {
      nowMs,
      graceMs: this.graceMs,
      holdersOf: (chunkId) => this.init.locations.replicas(chunkId).map((replica) => replica.peer),
      stateOf: (peer) => this.init.membership.table.get(peer)?.state,
    };
  }

  /**
   * Sends the plan's deletions, every peer at once and a few requests at once per peer (one
   * at a time would take a big delete a round trip per chunk). Returns the chunks a deletion
   * failed for: unreachable now, tried again next round.
   */
  private async carryOut(plan: ReplicaDeletes, result: GcRoundResult): Promise<Set<string>> {
    const failed = new Set<string>();
    await Promise.all(
      [...plan.byPeer].map(([peer, chunkIds]) =>
        runBounded(chunkIds, GC_DELETES_INFLIGHT_PER_PEER, async (chunkId) => {
          this.deletesInFlight.take(peer);
          try {
            result.replicasDeleted += await this.init.ops.delete(peer, [{ chunkId, version: 0 }]);
          } catch (err) {
            this.init.log.debug("garbage not deleted yet", { peer, chunk: chunkId, err });
            failed.add(chunkId);
          } finally {
            this.deletesInFlight.give(peer);
          }
        }),
      ),
    );
    return failed;
  }

  private referenced(chunkId: string): boolean {
    try {
      return this.init.namespace.fileOfChunk(chunkId) !== undefined;
    } catch {
      // Not a namespace chunk id at all: nothing references it.
      return false;
    }
  }

  /** Whether the chunk is in the pending deletes (ids are ordered: ask for the first after its predecessor). */
  private isPending(chunkId: string): boolean {
    if (!/^[0-9a-f]{16}$/.test(chunkId) || /^0+$/.test(chunkId)) return false;
    const predecessor = (BigInt(`0x${chunkId}`) - 1n).toString(16).padStart(16, "0");
    try {
      return this.init.namespace.pendingDeletes({ after: predecessor, limit: 1 }).chunks[0]?.chunkId === chunkId;
    } catch {
      return false;
    }
  }
}
