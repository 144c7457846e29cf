// The leader's hands on replicas for the garbage collector, the balancer and decommissioning:
// copy a chunk from one peer to another, delete replicas from a peer. Both go over the
// re-replication protocol, /tessera/chunk/replicate/2 (src/chunk/transfer/replica-service.ts: the
// source pushes the chunk down a write pipeline; a delete is a request of its own, so even a
// quiet server is reached and the leader knows at once that the replica is gone). The
// location map learns each outcome at once rather than at the next block report, so the
// next decision already sees it.
import type { MembershipService } from "../../membership/service.ts";
import type { ReplicateRequest, ReplicateResponse } from "../../protocol/pb/replicate.ts";
import type { ChunkLocations } from "../cluster/locations.ts";

/** Sends one replicate request to a peer (this peer's own service when it is the peer). */
export type ReplicateSender = (peer: string, request: ReplicateRequest) => Promise<ReplicateResponse>;

export class ReplicaOpError extends Error {
  override name = "ReplicaOpError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ReplicaOpsInit {
  /** Sends a replicate request (to this peer's own service when it is the peer). */
  send: ReplicateSender;
  membership: MembershipService;
  locations: ChunkLocations;
}

export class ReplicaOps {
  constructor(private readonly init: ReplicaOpsInit) {}

  /** Copies (chunkId, version) from `from` to `to`; the copy is verified on both ends. */
  async copy(chunk: { chunkId: string; version: number; sizeBytes: number }, from: string, to: string): Promise<void> {
    const addresses = this.init.membership.table.get(to)?.heartbeat.addresses ?? [];
    const response = await this.send(from, "copy", { copy: { chunkId: chunk.chunkId, version: chunk.version, sizeBytes: chunk.sizeBytes, targets: [{ peer: to, addresses }] } });
    if (response.errorCode) throw new ReplicaOpError(response.errorCode, response.errorMessage);
    this.init.locations.incrementalReport(to, [chunk], []);
  }

  /**
   * Deletes replicas from `peer` (version 0: whatever version is held), one request each;
   * resolves with how many were there to remove. Throws at the first that fails.
   */
  async delete(peer: string, chunks: ReadonlyArray<{ chunkId: string; version: number }>): Promise<number> {
    let removed = 0;
    for (const chunk of chunks) {
      const response = await this.send(peer, "delete", { delete: { chunkId: chunk.chunkId, version: chunk.version } });
      if (response.errorCode) throw new ReplicaOpError(response.errorCode, response.errorMessage);
      if (response.deleted) removed += 1;
      this.init.locations.incrementalReport(peer, [], [chunk.chunkId]);
    }
    return removed;
  }

  private async send(peer: string, op: string, request: Parameters<ReplicateSender>[1]) {
    try {
      return await this.init.send(peer, request);
    } catch (err) {
      throw new ReplicaOpError("UNREACHABLE", `${peer} did not carry out the ${op}: ${(err as Error).message}`);
    }
  }
}
