// The leader's replicator: every REPLICATION_INTERVAL_MS it rebuilds the repair queue from
// the namespace and the location map (replication.ts decides, this file does the I/O), or
// less often when a pass over every chunk is long (PASS_SPACING_FACTOR), then
// asks holders over /tessera/chunk/replicate/2 to copy chunks to new holders and servers to
// delete surplus, stale and corrupt replicas. A finished copy starts the next one at once,
// within the throttles, without waiting for the next round.
//
// Nothing here is in the Raft log: the queue is soft state like the locations it comes from.
// A new leader starts with an empty location map, so it waits until every live chunk server
// has sent it a full block report (at most REPORT_WAIT_MS_MAX) before judging any chunk:
// until then every chunk would look missing. Then it recomputes the queue from scratch,
// which is how repair work survives a change of leader.
//
// The rounds are a LeaderLoop's (a dead peer kicks one at once). The copies in flight are
// counted in InFlightBudgets (per source and in all, per target) whose limits are asserted
// where a slot is taken, so a scheduling bug stops loudly instead of flooding a peer; a chunk
// never has a copy and a delete in flight at once (asserted too).
import { randomInt } from "node:crypto";
import type { Logger } from "../../util/log.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { PeerChange } from "../../membership/peer-table.ts";
import type { ReplicateRequest, ReplicateResponse } from "../../protocol/pb/replicate.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import type { Namespace } from "../state/namespace.ts";
import { CHUNK_PAGE_MAX } from "../state/limits.ts";
import {
  compareRepairs,
  planChunk,
  REPAIR_DELETES_PER_ROUND_MAX,
  REPAIR_LIMITS_DEFAULT,
  REPAIR_QUEUE_MAX,
  scheduleCopies,
  type ChunkHealthInput,
  type CopyOrder,
  type DeleteOrder,
  type PlannerPeer,
  type RepairItem,
  type RepairLimits,
} from "./replication.ts";
import { isExcludedFromPlacement } from "../cluster/decommission-state.ts";
import { chunkServerStates } from "../cluster/chunk-servers.ts";
import type { ReplicateSender } from "./replica-ops.ts";
import { LeaderLoop, InFlightBudget, type TimerSource } from "../leader-loop.ts";
import { assert } from "../../util/assert.ts";

/** How often the queue is rebuilt (GFS and HDFS scan every few seconds; 1 s heals sooner). */
export const REPLICATION_INTERVAL_MS = 1_000;
/**
 * A pass over every chunk is followed by at least this many times its own duration before the
 * next one a tick starts, so the passes take at most about a tenth of the leader's thread
 * however large the namespace. A pass over a million chunks takes a second or more: run every
 * second, an idle leader spent 79-81% of a core on it (bench/million, 7 December 2026). A dead
 * peer still starts a pass at once.
 */
export const PASS_SPACING_FACTOR = 10;
/** A new leader waits this long at most for the live peers' full block reports. */
export const REPORT_WAIT_MS_MAX = 10_000;
/** Repairs remembered for the view (tests read the order; metrics the figures). */
export const REPAIR_HISTORY_MAX = 10_000;
/** Queued chunks re-planned when a finished copy frees a slot (the head of the queue). */
const FILL_WINDOW = 1_000;

export interface RepairRecord {
  chunkId: string;
  /** Live copies when the copy started: 1 goes before 2 (GFS §4.3). */
  liveBefore: number;
  replication: number;
  source: string;
  targets: string[];
  startedAtMs: number;
  endedAtMs?: number;
  ok?: boolean;
  error?: string;
}

export interface ReplicationView {
  leader: boolean;
  /** False while a new leader waits for block reports. */
  ready: boolean;
  paused: boolean;
  /** Chunks waiting for a copy (not counting those in flight). */
  queueLength: number;
  copiesInFlight: number;
  deletesInFlight: number;
  repairedChunks: number;
  /** Bytes written to new replicas (a chunk copied to two targets counts twice). */
  repairedBytes: number;
  failedCopies: number;
  deletedReplicas: number;
  /** The latest repairs, oldest first, in the order they started. */
  history: RepairRecord[];
}

export interface ReplicationManagerInit {
  raft: { readonly isLeader: boolean; readonly term: number };
  namespace: Namespace;
  membership: MembershipService;
  locations: ChunkLocations;
  send: ReplicateSender;
  log: Logger;
  intervalMs?: number;
  limits?: RepairLimits;
  rand?: (n: number) => number;
  nowMs?: () => number;
  /** A clock of milliseconds for the time a pass works between its yields (performance.now by default; tests drive it). */
  busyClockMs?: () => number;
  timers?: TimerSource;
}

interface QueuedRepair {
  input: ChunkHealthInput;
  item: RepairItem;
}

export class ReplicationManager {
  private readonly limits: RepairLimits;
  private readonly rand: (n: number) => number;
  private readonly nowMs: () => number;
  private readonly loop: LeaderLoop<void>;
  private paused = false;
  // Leadership: the reportSeq when this peer last became leader, and when.
  private leaderSince?: { seq: number; atMs: number };
  private ready = false;
  /** A tick's round before this time (nowMs) plans nothing: the last pass's spacing (PASS_SPACING_FACTOR). */
  private nextPassAtMs = 0;
  /** A dead peer or a caller of runRound asked for a round: it runs its pass whatever the spacing. */
  private kicked = false;
  private readonly busyClockMs: () => number;
  private queue: QueuedRepair[] = [];
  private readonly copies = new Map<string, CopyOrder>();
  private readonly deletes = new Map<string, DeleteOrder>();
  /** Copies in flight per source, and in all (each copy has one source). */
  private readonly sending: InFlightBudget;
  /** Copies in flight per target. */
  private readonly receiving: InFlightBudget;
  private readonly history: RepairRecord[] = [];
  private readonly counters = { repairedChunks: 0, repairedBytes: 0, failedCopies: 0, deletedReplicas: 0 };

  constructor(private readonly init: ReplicationManagerInit) {
    this.limits = init.limits ?? REPAIR_LIMITS_DEFAULT;
    this.rand = init.rand ?? ((n) => randomInt(n));
    this.nowMs = init.nowMs ?? (() => Date.now());
    this.busyClockMs = init.busyClockMs ?? (() => performance.now());
    this.sending = new InFlightBudget("repair copies sent", this.limits.perSource, this.limits.total);
    this.receiving = new InFlightBudget("repair copies received", this.limits.perTarget);
    this.loop = new LeaderLoop({
      name: "replication",
      intervalMs: init.intervalMs ?? REPLICATION_INTERVAL_MS,
      isLeader: () => init.raft.isLeader,
      round: (signal) => this.plan(signal),
      follower: () => {
        this.leaderSince = undefined;
        this.ready = false;
        this.queue = [];
        this.nextPassAtMs = 0;
      },
      log: init.log,
      timers: init.timers,
    });
  }

  start(): void {
    this.loop.start();
    this.init.membership.addEventListener("peer:change", this.onPeerChange);
  }

  /** Stops planning and waits for a running round; copies and deletes already sent finish on their own. */
  async stop(): Promise<void> {
    this.init.membership.removeEventListener("peer:change", this.onPeerChange);
    await this.loop.stop();
  }

  /** A dead peer starts a round at once rather than at the next tick (up to a second sooner). */
  private readonly onPeerChange = (event: Event) => {
    const change = (event as CustomEvent<PeerChange>).detail;
    // A kick runs after the current task, so the location map has forgotten the peer's replicas first.
    if (change.to === "dead") {
      this.kicked = true;
      this.loop.kick();
    }
  };

  /** Holds new copies and deletions (those running finish); for tests and maintenance. */
  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  view(): ReplicationView {
    return {
      leader: this.init.raft.isLeader,
      ready: this.ready,
      paused: this.paused,
      queueLength: this.queue.length,
      copiesInFlight: this.copies.size,
      deletesInFlight: this.deletes.size,
      ...this.counters,
      history: this.history.map((record) => ({ ...record, targets: [...record.targets] })),
    };
  }

  /** One planning round now, whatever the spacing (the loop runs them; tests may too). Rounds never overlap. */
  async runRound(): Promise<void> {
    this.kicked = true;
    await this.loop.runRound();
  }

  private async plan(signal: AbortSignal): Promise<void> {
    const peers = this.peerView();
    if (!this.isReady(peers)) return;
    if (this.paused) return;
    const startedAtMs = this.nowMs();
    if (!this.kicked && startedAtMs < this.nextPassAtMs) return;
    this.kicked = false;

    const repairs: QueuedRepair[] = [];
    let busyMs = 0;
    const deletes: DeleteOrder[] = [];
    let after: string | undefined;
    for (;;) {
      const pageStartMs = this.busyClockMs();
      const page = this.init.namespace.allChunkIds({ ...(after ? { after } : {}), limit: CHUNK_PAGE_MAX });
      // A peer's decommission state read once per page, not once per replica: this round runs
      // every second over every chunk, and three SQLite reads per chunk made a namespace of
      // 10,000 small files cost the leader a third of a core while idle. Nothing yields within a
      // page, so the answers are the ones the per-replica reads would have given.
      const excluded = excludedPeers(this.init.namespace);
      for (const chunk of page.chunks) {
        if (this.copies.has(chunk.chunkId) || this.deletes.has(chunk.chunkId)) continue;
        const input = this.inputOf(chunk, excluded);
        const plan = planChunk(input, peers);
        if (plan.repair) repairs.push({ input, item: plan.repair });
        if (deletes.length < REPAIR_DELETES_PER_ROUND_MAX) {
          // One deletion per chunk per round: the next round sees its outcome.
          const first = plan.deletes[0];
          if (first && !(first.reason === "surplus" && this.hasUnreportedReplica(input))) deletes.push(first);
        }
        if (repairs.length >= 2 * REPAIR_QUEUE_MAX) trimQueue(repairs);
      }
      busyMs += this.busyClockMs() - pageStartMs;
      if (!page.next) break;
      after = page.next;
      // Let the leader serve requests between pages of a large namespace.
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.init.raft.isLeader || signal.aborted) return;
    }
    this.nextPassAtMs = startedAtMs + PASS_SPACING_FACTOR * busyMs;
    trimQueue(repairs);
    this.queue = repairs;
    // A copy that finished while this round yielded may have started another from the old
    // queue: a chunk with a copy in flight is left alone until it settles (replication.ts).
    for (const order of deletes) if (!this.copies.has(order.chunkId)) this.startDelete(order);
    this.fill(peers);
  }

  /** Starts the copies the throttles allow, from the queue, most urgent first. */
  private fill(peers: ReadonlyMap<string, PlannerPeer> = this.peerView()): void {
    if (this.loop.isStopped || this.paused || !this.init.raft.isLeader || !this.ready) return;
    if (this.copies.size >= this.limits.total) return;
    // Re-plan the head of the queue against the map as it is now: a copy that just finished,
    // or a report that came in, may have settled some. Only the head: a finished copy must
    // not cost a pass over a queue of 100,000 chunks; the next round re-plans them all.
    const head = this.queue.slice(0, FILL_WINDOW);
    const rest = this.queue.slice(FILL_WINDOW);
    const fresh: QueuedRepair[] = [];
    const excluded = excludedPeers(this.init.namespace);
    for (const queued of head) {
      if (this.copies.has(queued.item.chunkId) || this.deletes.has(queued.item.chunkId)) continue;
      const input = { ...queued.input, replicas: this.replicasOf(queued.input.chunkId, excluded), corrupt: this.init.locations.corruptReplicas(queued.input.chunkId) };
      const plan = planChunk(input, peers);
      if (plan.repair) fresh.push({ input, item: plan.repair });
    }
    fresh.sort((a, b) => compareRepairs(a.item, b.item));
    const orders = scheduleCopies(
      fresh.map((queued) => queued.item),
      peers,
      { sending: this.sending.counts, receiving: this.receiving.counts, total: this.copies.size },
      this.limits,
      this.rand,
    );
    const started = new Set<string>();
    for (const order of orders) {
      started.add(order.item.chunkId);
      this.startCopy(order);
    }
    this.queue = [...fresh.filter((queued) => !started.has(queued.item.chunkId)), ...rest];
  }

  private startCopy(order: CopyOrder): void {
    const { item, source, targets } = order;
    // One repair per chunk at a time: a second would copy from a half-known state.
    assert(!this.copies.has(item.chunkId) && !this.deletes.has(item.chunkId), `chunk ${item.chunkId} has no copy or delete in flight when a copy starts`);
    assert(this.copies.size === this.sending.total, "every copy in flight holds one sending slot");
    this.sending.take(source);
    for (const target of targets) this.receiving.take(target);
    this.copies.set(item.chunkId, order);
    const record: RepairRecord = { chunkId: item.chunkId, liveBefore: item.live.length, replication: item.replication, source, targets: [...targets], startedAtMs: this.nowMs() };
    this.history.push(record);
    if (this.history.length > REPAIR_HISTORY_MAX) this.history.splice(0, this.history.length - REPAIR_HISTORY_MAX);
    const request: ReplicateRequest = {
      copy: {
        chunkId: item.chunkId,
        version: item.version,
        sizeBytes: item.sizeBytes,
        targets: targets.map((peer) => ({ peer, addresses: this.init.membership.table.get(peer)?.heartbeat.addresses ?? [] })),
      },
    };
    void this.init
      .send(source, request)
      .catch((err: unknown): ReplicateResponse => ({ errorCode: "UNREACHABLE", errorMessage: (err as Error).message, failedPeer: "", sizeBytes: 0, deleted: false }))
      .then((response) => {
        record.endedAtMs = this.nowMs();
        record.ok = response.errorCode === "";
        if (record.ok) {
          this.counters.repairedChunks += 1;
          this.counters.repairedBytes += item.sizeBytes * targets.length;
          // Every target committed it durably: the map learns it now, not at the next reports.
          for (const target of targets) this.init.locations.incrementalReport(target, [{ chunkId: item.chunkId, version: item.version, sizeBytes: item.sizeBytes }], []);
        } else {
          this.counters.failedCopies += 1;
          record.error = `${response.errorCode}: ${response.errorMessage}`;
          if (response.errorCode === "CHUNK_CORRUPT") this.init.locations.markCorrupt(source, item.chunkId);
          if (response.errorCode === "CHUNK_NOT_FOUND" || response.errorCode === "CHUNK_STALE") this.init.locations.incrementalReport(source, [], [item.chunkId]);
          // A target held this version already (its store refused a second copy): a location
          // the map missed, taken now so the next round does not send it the same copy again.
          if (response.errorCode === "CHUNK_EXISTS" && targets.includes(response.failedPeer)) this.init.locations.incrementalReport(response.failedPeer, [{ chunkId: item.chunkId, version: item.version, sizeBytes: item.sizeBytes }], []);
          this.init.log.info("a repair copy failed; it is retried on a later round", { chunk: item.chunkId, source, targets: targets.join(","), error: record.error });
        }
      })
      .finally(() => {
        assert(this.copies.get(item.chunkId) === order, `the copy of ${item.chunkId} that ends is the one in flight`);
        this.copies.delete(item.chunkId);
        this.sending.give(source);
        for (const target of targets) this.receiving.give(target);
        this.fill();
      });
  }

  private startDelete(order: DeleteOrder): void {
    assert(!this.copies.has(order.chunkId) && !this.deletes.has(order.chunkId), `chunk ${order.chunkId} has no copy or delete in flight when a delete starts`);
    this.deletes.set(order.chunkId, order);
    void this.init
      .send(order.peer, { delete: { chunkId: order.chunkId, version: order.version } })
      .then((response) => {
        if (response.errorCode) {
          this.init.log.debug("a replica deletion was refused", { chunk: order.chunkId, peer: order.peer, error: response.errorCode });
          return;
        }
        if (response.deleted) this.counters.deletedReplicas += 1;
        // Gone (or never there): either way it is no location any more.
        this.init.locations.incrementalReport(order.peer, [], [order.chunkId]);
        this.init.log.info("deleted a replica", { chunk: order.chunkId, peer: order.peer, reason: order.reason });
      })
      .catch((err: unknown) => this.init.log.debug("a replica deletion failed", { chunk: order.chunkId, peer: order.peer, err }))
      .finally(() => this.deletes.delete(order.chunkId));
  }

  /**
   * A replica the map knows from before this leadership, of a peer that has not sent this
   * leader a full report: it may be gone (another leader had it deleted meanwhile), so a
   * surplus counted with it may not be one. HDFS postpones excess-replica deletion for blocks
   * on such "stale" storages after a failover for the same reason. The map's own entries from
   * this term (commits, copies, reports) are facts.
   */
  private hasUnreportedReplica(input: ChunkHealthInput): boolean {
    return input.replicas.some((replica) => !this.init.locations.reportedThisLeadership(replica.peer));
  }

  /** True once this leader has heard the live peers' full reports (or waited long enough). */
  private isReady(peers: ReadonlyMap<string, PlannerPeer>): boolean {
    if (!this.leaderSince) {
      // The report service marks the same start when a report comes first (per term).
      this.leaderSince = { seq: this.init.locations.leadershipBegan(this.init.raft.term), atMs: this.nowMs() };
      this.ready = false;
    }
    if (this.ready) return true;
    const since = this.leaderSince;
    const waiting = [...peers.values()].filter((peer) => peer.state === "alive" && this.init.locations.fullReportSeqOf(peer.id) <= since.seq);
    if (waiting.length === 0 || this.nowMs() - since.atMs >= REPORT_WAIT_MS_MAX) {
      this.ready = true;
      this.init.log.info("the replicator starts: block reports are in", { late: waiting.length });
    }
    return this.ready;
  }

  /** Chunk servers the membership table knows, with their state, rack and free space. */
  private peerView(): Map<string, PlannerPeer> {
    return chunkServerStates(this.init.membership.table.list());
  }

  private inputOf(chunk: { chunkId: string; version: number; sizeBytes: number; committed: boolean; replication: number; cacheOnly: boolean }, excluded: (peer: string) => boolean): ChunkHealthInput {
    return {
      chunkId: chunk.chunkId,
      version: chunk.version,
      sizeBytes: chunk.sizeBytes,
      committed: chunk.committed,
      replication: chunk.replication,
      cacheOnly: chunk.cacheOnly,
      replicas: this.replicasOf(chunk.chunkId, excluded),
      corrupt: this.init.locations.corruptReplicas(chunk.chunkId),
    };
  }

  /**
   * The replicas the planner counts. As in HDFS, a replica on a peer being decommissioned does
   * not count: the chunk is re-replicated without it, and it is never picked as a surplus to
   * delete while the peer still drains (decommission.ts deletes it once copies exist). Counted,
   * it made a drained chunk look over-replicated, and the planner deleted a good copy.
   */
  private replicasOf(chunkId: string, excluded: (peer: string) => boolean) {
    return this.init.locations
      .replicas(chunkId)
      .filter((replica) => !excluded(replica.peer))
      .map((replica) => ({ peer: replica.peer, version: replica.version }));
  }
}

/** isExcludedFromPlacement, remembering each peer's answer: for one synchronous pass. */
function excludedPeers(namespace: ReplicationManagerInit["namespace"]): (peer: string) => boolean {
  const known = new Map<string, boolean>();
  return (peer) => {
    let answer = known.get(peer);
    if (answer === undefined) known.set(peer, (answer = isExcludedFromPlacement(namespace, peer)));
    return answer;
  };
}

/** Keeps the REPAIR_QUEUE_MAX most urgent repairs, in priority order. */
function trimQueue(repairs: QueuedRepair[]): void {
  repairs.sort((a, b) => compareRepairs(a.item, b.item));
  if (repairs.length > REPAIR_QUEUE_MAX) repairs.length = REPAIR_QUEUE_MAX;
}
