// The operator's views of the cluster, answered by the leader: fsck (the health of every file
// under a path, like `hdfs fsck`) and report (capacity and chunk servers, like `hdfs
// dfsadmin -report`). Plain-JSON results: the CLI and the embedding API show the same.
import { fsRequest } from "./fs-request.ts";
import type { FsRequest, FsResponse } from "../protocol/pb/meta.ts";
import { FsError } from "./fs.ts";
import type { CapacityReport, FsckFile, FsckResult, ChunkStatus, PeerState, FsckView, ReportView } from "../protocol/views.ts";


export class AdminClient {
  constructor(private readonly call: (request: FsRequest) => Promise<FsResponse>) {}

  /** The health of every file under `path` (default /). A path that does not exist is an error (NOT_FOUND). */
  async fsck(path = "/"): Promise<FsckView> {
    const response = await this.call(fsRequest("fsck", { path }));
    if (!response.fsck) throw new FsError("INVALID", "the master answered fsck without a result");
    const r = response.fsck;
    return {
      status: r.status as ChunkStatus,
      path: r.path,
      files: r.files,
      directories: r.directories,
      chunks: r.chunks,
      sizeBytes: r.sizeBytes,
      healthy: r.healthy,
      underReplicated: r.underReplicated,
      corrupt: r.corrupt,
      missing: r.missing,
      overReplicated: r.overReplicated,
      unhealthyFiles: r.unhealthyFiles.map((file): FsckFile => ({ ...file, status: file.status as ChunkStatus })),
      truncated: r.truncated,
      repairQueue: r.repairQueue,
      repairsInFlight: r.repairsInFlight,
      repairedChunks: r.repairedChunks,
    };
  }

  /** Capacity, used and remaining bytes, live and dead peers, and each chunk server's share. */
  async report(): Promise<ReportView> {
    const response = await this.call(fsRequest("report"));
    if (!response.report) throw new FsError("INVALID", "the master answered report without one");
    const r = response.report;
    return { ...r, peers: r.peers.map((peer) => ({ ...peer, state: peer.state as PeerState })) };
  }
}

