// Block reports, the leader's side (/tessera/chunk/report/1): fold each chunk server's report
// into the location map, and answer with the replicas it should delete — versions older
// than the namespace's (GFS §4.5: stale replicas are garbage) — so they are never served.
// Chunks no file references are left to the garbage collector's grace period (issue 5).
// Increments are taken only from a peer whose full report this leader holds (see take).
import type { Connection } from "@libp2p/interface";
import type { TesseraHost } from "../../net/host.ts";
import { registerHandler } from "../../net/rpc.ts";
import type { Logger } from "../../util/log.ts";
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { PeerChange } from "../../membership/peer-table.ts";
import { BlockReport, BlockReportAck } from "../../protocol/pb/report.ts";
import type { Namespace } from "../state/namespace.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import { CHUNK_REPORT_PROTOCOL } from "../../protocol/ids.ts";
import { REPORT_RPC_LIMITS, REPORT_PAGE_CHUNKS_MAX } from "../../protocol/limits.ts";

const REPORT_INBOUND_STREAMS_MAX = 16;

export interface ReportServiceInit {
  host: TesseraHost;
  raft: RaftNode;
  namespace: Namespace;
  membership: MembershipService;
  locations: ChunkLocations;
  /** A reported chunk no file references (the garbage collector collects it after a grace period). */
  onUnreferenced?(chunkId: string): void;
  log: Logger;
}

export class ReportService {
  constructor(private readonly init: ReportServiceInit) {}

  async start(): Promise<void> {
    await registerHandler<BlockReport, BlockReportAck>(this.init.host, {
      protocol: CHUNK_REPORT_PROTOCOL,
      requestCodec: { encode: BlockReport.encode, decode: (data) => BlockReport.decode(data, { limits: { added: REPORT_PAGE_CHUNKS_MAX, removed: REPORT_PAGE_CHUNKS_MAX } }) },
      responseCodec: BlockReportAck,
      ...REPORT_RPC_LIMITS,
      maxInboundStreams: REPORT_INBOUND_STREAMS_MAX,
      log: this.init.log,
      handle: (report: BlockReport, connection: Connection) => this.take(connection.remotePeer.toString(), report),
    });
    this.init.membership.addEventListener("peer:change", this.onPeerChange);
  }

  async stop(): Promise<void> {
    this.init.membership.removeEventListener("peer:change", this.onPeerChange);
    await this.init.host.unhandle(CHUNK_REPORT_PROTOCOL);
  }

  /** Takes a report from `peer` (called over the wire, or directly by this peer's own reporter). */
  take(peer: string, report: BlockReport): BlockReportAck {
    if (!this.init.raft.isLeader) return { errorCode: "NOT_LEADER", leaderHint: this.init.raft.leader, deleteChunks: [] };
    // Increments only from a peer that sent this leadership a full report. A peer this leader
    // forgot as dead (a pause, a partition) comes back with its chunks, but its reporter does
    // not know it was forgotten and sends increments only: without this its replicas stay
    // unknown (missing, to fsck and the replicator) until the next change of leader. HDFS has
    // a returning datanode re-register and send a full block report the same way. A leader
    // elected again holds entries from its earlier term, which another leader's deletions
    // may have made wrong: they are replaced too. Later pages of a full report are increments
    // on its first page, refused as well if the peer was forgotten mid-report.
    this.init.locations.leadershipBegan(this.init.raft.term);
    if (!(report.full && report.first) && !this.init.locations.reportedThisLeadership(peer)) return { errorCode: "REPORT_FULL_NEEDED", leaderHint: "", deleteChunks: [] };
    // The tier a peer keeps each chunk in ("" for its data dir): stat's Replica.tier, and the
    // cache's "In Memory" figures, come from here.
    const added = report.added.map((chunk) => ({ chunkId: chunk.chunkId, version: Number(chunk.version), sizeBytes: Number(chunk.sizeBytes), ...(chunk.tier ? { tier: chunk.tier } : {}) }));
    if (report.full && report.first) this.init.locations.fullReport(peer, added);
    else this.init.locations.incrementalReport(peer, added, report.removed);
    const deleteChunks: string[] = [];
    for (const chunk of added) {
      const owner = this.safeOwner(chunk.chunkId);
      if (!owner) this.init.onUnreferenced?.(chunk.chunkId);
      if (owner && chunk.version < owner.version) {
        deleteChunks.push(chunk.chunkId);
        this.init.locations.incrementalReport(peer, [], [chunk.chunkId]);
      }
    }
    if (deleteChunks.length > 0) this.init.log.info("stale replicas reported; asking for their deletion", { peer, count: deleteChunks.length });
    return { errorCode: "", leaderHint: "", deleteChunks };
  }

  private safeOwner(chunkId: string) {
    try {
      return this.init.namespace.fileOfChunk(chunkId);
    } catch {
      return undefined;
    }
  }

  /** A dead peer's replicas no longer count (GFS §4.3). */
  private readonly onPeerChange = (event: Event) => {
    const change = (event as CustomEvent<PeerChange>).detail;
    if (change.to === "dead" || change.to === "forgotten") this.init.locations.forgetPeer(change.id);
  };
}
