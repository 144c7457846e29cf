// The balancer (HDFS's Balancer), on the leader: moves replicas from fuller peers to emptier
// ones until every peer's used share of its capacity is within a threshold of the cluster's
// mean. A peer's use is the bytes of the replicas the location map gives it, over the
// capacity its heartbeat advertises. A move copies a replica to the emptier peer, then
// deletes it from the fuller one, and is only made when it keeps the chunk's rack spread
// (never fewer racks than before) and never puts two replicas on one peer.
//
// One balance request works for at most a bounded time and reports what it did; the caller
// asks again until balanced (so no request outlives the metadata RPC, and a leader change
// in between loses nothing: the next leader measures afresh).
//
// What to move is decided by balancer-plan.ts (pure, unit-tested); this file measures, asks
// for the next move, and carries it out, one at a time.
import type { MembershipService } from "../../membership/service.ts";
import type { Logger } from "../../util/log.ts";
import type { Namespace } from "../state/namespace.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import type { ReplicaOps } from "./replica-ops.ts";
import { BALANCE_THRESHOLD_PCT_DEFAULT, BALANCE_THRESHOLD_PCT_MAX, BALANCE_THRESHOLD_PCT_MIN } from "../../protocol/limits.ts";
import { RequestError } from "../../protocol/errors.ts";
import type { UsageSpread, BalanceSummary } from "../../protocol/views.ts";
import { eligibleChunkServers } from "../cluster/chunk-servers.ts";
import { chooseMove, usageSpread } from "./balancer-plan.ts";

export { BALANCE_THRESHOLD_PCT_DEFAULT, BALANCE_THRESHOLD_PCT_MIN, BALANCE_THRESHOLD_PCT_MAX };
/** One balance request works this long at most: well inside the metadata RPC's 10 s. */
export const BALANCE_REQUEST_MS_MAX = 5_000;
/** Moves per request, however small the chunks. */
export const BALANCE_MOVES_PER_REQUEST_MAX = 1_000;

export function validateThresholdPct(thresholdPct: number): number {
  if (!Number.isFinite(thresholdPct) || thresholdPct < BALANCE_THRESHOLD_PCT_MIN || thresholdPct > BALANCE_THRESHOLD_PCT_MAX) {
    throw new RequestError("INVALID", `the balance threshold must be a percentage from ${BALANCE_THRESHOLD_PCT_MIN} to ${BALANCE_THRESHOLD_PCT_MAX}, not ${thresholdPct}`);
  }
  return thresholdPct;
}

export interface BalancerInit {
  namespace: Namespace;
  locations: ChunkLocations;
  membership: MembershipService;
  ops: ReplicaOps;
  log: Logger;
  /** A monotonic clock for the request's time budget. */
  nowMs?: () => number;
}

export class Balancer {
  private running = false;
  private readonly nowMs: () => number;

  constructor(private readonly init: BalancerInit) {
    this.nowMs = init.nowMs ?? (() => performance.now());
  }

  /** Used% of every alive chunk server that takes part (peers being decommissioned do not). */
  measure(): UsageSpread {
    const servers = eligibleChunkServers(this.init.membership.table.list(), this.init.namespace);
    return usageSpread(servers, (peer) => this.init.locations.replicasOf(peer).reduce((sum, replica) => sum + replica.sizeBytes, 0));
  }

  /** Moves replicas until balanced within `thresholdPct`, for at most `budgetMs`. */
  async balance(thresholdPct: number, budgetMs = BALANCE_REQUEST_MS_MAX): Promise<BalanceSummary> {
    validateThresholdPct(thresholdPct);
    if (this.running) throw new RequestError("BUSY", "a balance is already running on the leader; try again when it ends");
    this.running = true;
    try {
      return await this.run(thresholdPct, Math.min(budgetMs, BALANCE_REQUEST_MS_MAX));
    } finally {
      this.running = false;
    }
  }

  private async run(thresholdPct: number, budgetMs: number): Promise<BalanceSummary> {
    const deadline = this.nowMs() + budgetMs;
    const before = this.measure();
    let moves = 0;
    let bytesMoved = 0;
    const failed = new Set<string>();
    let stoppedBy: BalanceSummary["stoppedBy"] = "balanced";
    for (;;) {
      const now = this.measure();
      if (now.deviationPct <= thresholdPct) break;
      if (this.nowMs() >= deadline || moves >= BALANCE_MOVES_PER_REQUEST_MAX) {
        stoppedBy = "time";
        break;
      }
      const move = chooseMove({
        spread: now,
        thresholdPct,
        rackOf: (peer) => this.init.membership.table.get(peer)?.heartbeat.rack,
        replicasOf: (peer) => this.init.locations.replicasOf(peer),
        ownerOf: (chunkId) => this.safeOwner(chunkId),
        holdersOf: (chunkId) => this.init.locations.replicas(chunkId),
        failed,
      });
      if (!move) {
        stoppedBy = "stuck";
        break;
      }
      try {
        await this.init.ops.copy(move.chunk, move.from, move.to);
        await this.init.ops.delete(move.from, [{ chunkId: move.chunk.chunkId, version: move.chunk.version }]);
        moves += 1;
        bytesMoved += move.chunk.sizeBytes;
      } catch (err) {
        failed.add(move.chunk.chunkId);
        this.init.log.debug("a balancer move failed", { chunk: move.chunk.chunkId, from: move.from, to: move.to, err });
      }
    }
    const after = this.measure();
    const balanced = after.deviationPct <= thresholdPct;
    if (moves > 0) this.init.log.info("balanced replicas", { moves, bytesMoved, beforePct: before.deviationPct.toFixed(2), afterPct: after.deviationPct.toFixed(2) });
    return { moves, bytesMoved, balanced, stoppedBy: balanced ? "balanced" : stoppedBy, before, after };
  }

  /**
   * The chunk's file, as the planner sees it; undefined (not moved) for garbage, and for a copy
   * of a file whose bytes are in an under-storage: a cache copy is the tiers' to keep or evict,
   * and a move would land it outside them (docs/cache.md).
   */
  private safeOwner(chunkId: string) {
    try {
      const owner = this.init.namespace.fileOfChunk(chunkId);
      return owner && !this.init.namespace.isCacheOnly(owner.fileId) ? owner : undefined;
    } catch {
      return undefined;
    }
  }
}
