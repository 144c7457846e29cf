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
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { Logger } from "../../util/log.ts";
import { DROP_PENDING_MAX, CHUNK_PAGE_MAX } from "../state/limits.ts";
import { encodeNamespaceCommand, type Namespace } from "../state/namespace.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import type { ReplicaOps } from "./replica-ops.ts";
import { COMMIT_TIMEOUT_MS } from "../timeouts.ts";

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
  nowMs?: () => number;
}

export interface GcRoundResult {
  /** Replicas deleted from peers. */
  replicasDeleted: number;
  /** Chunks dropped from the pending deletes. */
  pendingDropped: number;
  /** Unreferenced chunks whose replicas were all deleted. */
  orphansCollected: number;
}

export class GarbageCollector {
  private readonly graceMs: number;
  private readonly intervalMs: number;
  private readonly nowMs: () => number;
  /** Chunk id → when this leader first saw it unreferenced. */
  private readonly orphans = new Map<string, number>();
  private timer?: ReturnType<typeof setInterval>;
  private running?: Promise<GcRoundResult>;
  /** Totals for tests and metrics. */
  readonly stats = { rounds: 0, replicasDeleted: 0, pendingDropped: 0, orphansCollected: 0 };

  constructor(private readonly init: GarbageCollectorInit) {
    this.graceMs = init.graceMs ?? GC_GRACE_MS_DEFAULT;
    this.intervalMs = init.intervalMs ?? GC_INTERVAL_MS_DEFAULT;
    this.nowMs = init.nowMs ?? (() => Date.now());
    if (!(this.graceMs >= 0)) throw new RangeError(`the garbage collection grace period must be 0 or more, not ${this.graceMs} ms`);
  }

  start(): void {
    this.timer = setInterval(() => void this.runRound().catch((err: unknown) => this.init.log.warn("garbage collection round failed", { err })), this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** A block report listed a chunk no file references (called by the report service). */
  noteUnreferenced(chunkId: string): void {
    if (this.orphans.has(chunkId) || this.orphans.size >= GC_ORPHANS_TRACKED_MAX) return;
    this.orphans.set(chunkId, this.nowMs());
  }

  /** One collection; rounds never overlap. Only the leader collects. */
  runRound(): Promise<GcRoundResult> {
    if (this.running) return this.running;
    this.running = this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<GcRoundResult> {
    const result: GcRoundResult = { replicasDeleted: 0, pendingDropped: 0, orphansCollected: 0 };
    if (!this.init.raft.isLeader) {
      // A follower's view of orphans would be stale by the time it leads.
      this.orphans.clear();
      return result;
    }
    const now = this.nowMs();
    const pending = new Set<string>();
    const dueChunks: string[] = [];
    let after: string | undefined;
    let looked = 0;
    while (looked < GC_PENDING_PER_ROUND_MAX) {
      const page = this.init.namespace.pendingDeletes({ ...(after ? { after } : {}), limit: CHUNK_PAGE_MAX });
      for (const chunk of page.chunks) {
        pending.add(chunk.chunkId);
        if (chunk.deletedAtMs + this.graceMs <= now) dueChunks.push(chunk.chunkId);
      }
      looked += page.chunks.length;
      if (!page.next) break;
      after = page.next;
    }

    // Pending deletes past the grace period: delete every known replica, then drop.
    const deleted = await this.deleteEverywhere(dueChunks, result);
    for (let at = 0; at < deleted.length; at += DROP_PENDING_MAX) {
      const batch = deleted.slice(at, at + DROP_PENDING_MAX);
      const outcome = (await this.init.raft.propose(encodeNamespaceCommand({ op: "dropPendingDeletes", chunkIds: batch }), COMMIT_TIMEOUT_MS)) as { dropped: number };
      result.pendingDropped += outcome.dropped;
    }

    // Unreferenced chunks past the grace period since first seen.
    const dueOrphans: string[] = [];
    for (const [chunkId, firstSeenMs] of this.orphans) {
      if (this.referenced(chunkId) || pending.has(chunkId) || this.isPending(chunkId)) {
        this.orphans.delete(chunkId);
        continue;
      }
      if (firstSeenMs + this.graceMs <= now) dueOrphans.push(chunkId);
    }
    // Checked again just above, right before deleting: a chunk the namespace knows stays.
    for (const chunkId of await this.deleteEverywhere(dueOrphans, result)) {
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

  /**
   * Deletes every replica the location map knows of each chunk, whatever its version.
   * Returns the chunks no alive peer holds any more; a chunk whose holder is unreachable
   * or not alive is tried again next round.
   */
  private async deleteEverywhere(chunkIds: readonly string[], result: GcRoundResult): Promise<string[]> {
    const byPeer = new Map<string, string[]>();
    for (const chunkId of chunkIds) {
      for (const replica of this.init.locations.replicas(chunkId)) {
        let list = byPeer.get(replica.peer);
        if (!list) byPeer.set(replica.peer, (list = []));
        list.push(chunkId);
      }
    }
    const failed = new Set<string>();
    await Promise.all(
      [...byPeer].map(async ([peer, ids]) => {
        if (this.init.membership.table.get(peer)?.state !== "alive") {
          for (const id of ids) failed.add(id);
          return;
        }
        // A few requests at once per peer: one each would take a big delete a round trip per chunk.
        const queue = [...ids];
        const worker = async () => {
          for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
            try {
              const removed = await this.init.ops.delete(peer, [{ chunkId: id, version: 0 }]);
              result.replicasDeleted += removed;
            } catch (err) {
              this.init.log.debug("garbage not deleted yet", { peer, chunk: id, err });
              failed.add(id);
            }
          }
        };
        await Promise.all(Array.from({ length: GC_DELETES_INFLIGHT_PER_PEER }, worker));
      }),
    );
    return chunkIds.filter((id) => !failed.has(id));
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
