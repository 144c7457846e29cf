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
import type { MembershipService } from "../../membership/service.ts";
import type { Logger } from "../../util/log.ts";
import type { Namespace } from "../state/namespace.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import type { ReplicaOps } from "./replica-ops.ts";
import { BALANCE_THRESHOLD_PCT_DEFAULT, BALANCE_THRESHOLD_PCT_MAX, BALANCE_THRESHOLD_PCT_MIN } from "../../protocol/limits.ts";
import { RequestError } from "../../protocol/errors.ts";
import type { UsageSpread, PeerUsage, BalanceSummary } from "../../protocol/views.ts";
import { isExcludedFromPlacement } from "../cluster/decommission-state.ts";

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
}

export class Balancer {
  private running = false;

  constructor(private readonly init: BalancerInit) {}

  /** Used% of every alive chunk server that takes part (peers being decommissioned do not). */
  measure(): UsageSpread {
    const peers: PeerUsage[] = [];
    for (const record of this.init.membership.table.inState("alive")) {
      if (!record.heartbeat.roles.includes("chunk") || isExcludedFromPlacement(this.init.namespace, record.id)) continue;
      const capacityBytes = Number(record.heartbeat.capacityBytes);
      if (!(capacityBytes > 0)) continue;
      const usedBytes = this.init.locations.replicasOf(record.id).reduce((sum, replica) => sum + replica.sizeBytes, 0);
      peers.push({ peer: record.id, rack: record.heartbeat.rack, usedBytes, capacityBytes, usedPct: (100 * usedBytes) / capacityBytes });
    }
    const used = peers.reduce((sum, p) => sum + p.usedBytes, 0);
    const capacity = peers.reduce((sum, p) => sum + p.capacityBytes, 0);
    const meanPct = capacity > 0 ? (100 * used) / capacity : 0;
    const pcts = peers.map((p) => p.usedPct);
    return {
      meanPct,
      minPct: pcts.length ? Math.min(...pcts) : 0,
      maxPct: pcts.length ? Math.max(...pcts) : 0,
      deviationPct: pcts.length ? Math.max(...pcts.map((pct) => Math.abs(pct - meanPct))) : 0,
      peers,
    };
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
    const deadline = performance.now() + budgetMs;
    const before = this.measure();
    let moves = 0;
    let bytesMoved = 0;
    const failed = new Set<string>();
    let stoppedBy: BalanceSummary["stoppedBy"] = "balanced";
    for (;;) {
      const now = this.measure();
      if (now.deviationPct <= thresholdPct) break;
      if (performance.now() >= deadline || moves >= BALANCE_MOVES_PER_REQUEST_MAX) {
        stoppedBy = "time";
        break;
      }
      const move = this.chooseMove(now, thresholdPct, failed);
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
   * The next move: from the peer furthest above the mean to the one furthest below, of a
   * committed current replica the target does not hold, that keeps the rack spread and does
   * not push the target past mean + threshold.
   */
  private chooseMove(spread: UsageSpread, thresholdPct: number, failed: ReadonlySet<string>) {
    const { meanPct, peers } = spread;
    const rackOf = new Map(peers.map((p) => [p.peer, p.rack]));
    for (const record of this.init.membership.table.list()) if (!rackOf.has(record.id)) rackOf.set(record.id, record.heartbeat.rack);
    const sources = peers.filter((p) => p.usedPct > meanPct).sort((a, b) => b.usedPct - a.usedPct);
    const targets = peers.filter((p) => p.usedPct < meanPct).sort((a, b) => a.usedPct - b.usedPct);
    for (const source of sources) {
      for (const target of targets) {
        // Moving is worth it only when one of the pair is outside the threshold.
        if (source.usedPct - meanPct <= thresholdPct && meanPct - target.usedPct <= thresholdPct) continue;
        const roomBytes = ((meanPct + thresholdPct) * target.capacityBytes) / 100 - target.usedBytes;
        for (const replica of this.init.locations.replicasOf(source.peer)) {
          if (failed.has(replica.chunkId) || replica.sizeBytes > roomBytes) continue;
          // Nor the source below mean − threshold: a move never makes a new outlier.
          if (source.usedBytes - replica.sizeBytes < ((meanPct - thresholdPct) * source.capacityBytes) / 100) continue;
          const owner = this.safeOwner(replica.chunkId);
          if (!owner || !owner.committed || owner.version !== replica.version) continue;
          const holders = this.init.locations.replicas(replica.chunkId);
          if (holders.some((h) => h.peer === target.peer)) continue;
          const current = holders.filter((h) => h.version === owner.version);
          const racksBefore = new Set(current.map((h) => rackOf.get(h.peer)));
          const racksAfter = new Set(current.filter((h) => h.peer !== source.peer).map((h) => rackOf.get(h.peer)));
          racksAfter.add(target.rack);
          if (racksAfter.size < racksBefore.size) continue;
          return { chunk: { chunkId: replica.chunkId, version: replica.version, sizeBytes: replica.sizeBytes }, from: source.peer, to: target.peer };
        }
      }
    }
    return undefined;
  }

  private safeOwner(chunkId: string) {
    try {
      return this.init.namespace.fileOfChunk(chunkId);
    } catch {
      return undefined;
    }
  }
}
