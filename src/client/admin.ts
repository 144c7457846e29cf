// The operator's views of the cluster, answered by the leader: fsck (the health of every file
// under a path, like `hdfs fsck`) and report (capacity and chunk servers, like `hdfs
// dfsadmin -report`). Plain-JSON results: the CLI and the embedding API show the same.
import type { MetaCall } from "../protocol/meta.ts";
import { fsckView, reportView, type FsckView, type ReportView } from "../protocol/views.ts";

export class AdminClient {
  constructor(private readonly call: MetaCall) {}

  /** The health of every file under `path` (default /). A path that does not exist is an error (NOT_FOUND). */
  async fsck(path = "/"): Promise<FsckView> {
    return fsckView(await this.call("fsck", { path }));
  }

  /** Capacity, used and remaining bytes, live and dead peers, and each chunk server's share. */
  async report(): Promise<ReportView> {
    return reportView(await this.call("report", {}));
  }
}
