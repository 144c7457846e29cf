// A file-system request with every field at its empty value: the one place that knows the
// shape of FsRequest, for the fs, admin and maintenance clients.
import type { FsRequest } from "../protocol/pb/meta.ts";

export function fsRequest(op: string, fields: Partial<FsRequest> = {}): FsRequest {
  return {
    op,
    path: "",
    dst: "",
    parents: false,
    recursive: false,
    replication: 0,
    chunkSizeBytes: 0,
    clientId: "",
    fileId: 0,
    chunkId: "",
    version: 0,
    sizeBytes: 0,
    writerPeer: "",
    excludePeers: [],
    after: "",
    limit: 0,
    peer: "",
    ...fields,
  } as FsRequest;
}
