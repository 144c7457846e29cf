// /tessera/chunk/replicate/2, the chunk server's side: the leader's replicator asks a holder
// of a chunk to copy it to new holders, or asks any server to delete a replica (surplus,
// stale or corrupt).
//
// Why the source pushes (GFS §4.3, HDFS DNA_TRANSFER): the leader never touches data (the
// data path never goes through the master), and the holder already has the one tool that
// makes a replica durable and checked end to end: the write pipeline. A copy is
//   leader → source   ReplicateRequest {copy: {chunkId, version, sizeBytes, targets}}
//   source → targets  /tessera/chunk/write/1 with the bytes of store.createReadStream (each
//                     64 KiB block is verified as it is read, and again at every target)
//   source → leader   ReplicateResponse {} once every target committed (fsync) the chunk,
//                     or {errorCode, failedPeer} — nothing of a failed copy stays visible.
// Why deletes use a request of their own rather than the block report ack's deleteChunks: an
// ack only goes to a server that sends a report, and a server with nothing new to report
// sends none, so the leader could not trim a quiet server; a request also tells the leader
// at once whether the replica is gone. Only the peer this server believes leads may ask for a
// delete: a swarm member that is not the leader cannot make it drop data. Copies are taken
// from any swarm member: a copy never removes anything, and a chunk server that has not yet
// heard of a new leader (gossip lags an election by a heartbeat or two) must not stall repair.
import type { Connection } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import type { TesseraHost } from "../../net/host.ts";
import { registerHandler } from "../../net/rpc.ts";
import type { Logger } from "../../util/log.ts";
import { validateChunkId, validateChunkVersion } from "../../protocol/chunk-id.ts";
import { isChunkStoreError } from "../store/errors.ts";
import { PipelineError } from "./data-errors.ts";
import type { DataService } from "./data-service.ts";
import type { ChunkStore } from "../store/store.ts";
import { ReplicateRequest, ReplicateResponse, type CopyChunk } from "../../protocol/pb/replicate.ts";
import { CHUNK_REPLICATE_PROTOCOL } from "../../protocol/ids.ts";

export { ReplicateRequest, ReplicateResponse } from "../../protocol/pb/replicate.ts";
import { CHUNK_SIZE_BYTES_MAX, WRITE_PIPELINE_TARGETS_MAX, REPLICATE_TARGET_ADDRESSES_MAX, REPLICATE_RPC_LIMITS } from "../../protocol/limits.ts";

// The leader starts at most 2 copies per source (REPAIR_COPIES_PER_SOURCE_MAX) and a few
// deletes; more streams than this from one connection is not the leader's doing.
const REPLICATE_INBOUND_STREAMS_MAX = 16;

export interface ReplicaServiceInit {
  host: TesseraHost;
  /** The peer's (reporting) chunk store: a delete here reaches the block reports. */
  store: ChunkStore;
  /** Pushes through the write pipeline (and counts the bytes). */
  data: DataService;
  /** The peer believed to lead right now. */
  leader(): string | undefined;
  log: Logger;
}

export class ReplicaService {
  /** Figures for metrics and tests. */
  readonly stats = { copiesSent: 0, bytesSent: 0, copiesFailed: 0, deletes: 0 };

  constructor(private readonly init: ReplicaServiceInit) {}

  async start(): Promise<void> {
    await registerHandler<ReplicateRequest, ReplicateResponse>(this.init.host, {
      protocol: CHUNK_REPLICATE_PROTOCOL,
      requestCodec: { encode: ReplicateRequest.encode, decode: (data) => ReplicateRequest.decode(data, { limits: { copy: { targets: WRITE_PIPELINE_TARGETS_MAX, targets$: { addresses: REPLICATE_TARGET_ADDRESSES_MAX } } } }) },
      responseCodec: ReplicateResponse,
      ...REPLICATE_RPC_LIMITS,
      maxInboundStreams: REPLICATE_INBOUND_STREAMS_MAX,
      log: this.init.log,
      handle: (request: ReplicateRequest, connection: Connection) => this.execute(connection.remotePeer.toString(), request),
    });
  }

  async stop(): Promise<void> {
    await this.init.host.unhandle(CHUNK_REPLICATE_PROTOCOL);
  }

  /** Carries out one request from `from` (over the wire, or called directly on the leader's own peer). */
  async execute(from: string, request: ReplicateRequest): Promise<ReplicateResponse> {
    if (request.delete) {
      const order = request.delete;
      if (from !== this.init.leader()) return failure("NOT_LEADER", `only the leader asks for deletions, and ${from} is not the leader this peer knows`);
      let chunkId: string;
      try {
        chunkId = validateChunkId(order.chunkId);
        // Version 0 deletes whatever version is held (the garbage collector does not know it).
        if (order.version !== 0) validateChunkVersion(order.version);
      } catch (err) {
        return failure("INVALID", (err as Error).message);
      }
      return this.remove(chunkId, order.version);
    }
    if (request.copy) {
      let chunkId: string;
      try {
        chunkId = validateChunkId(request.copy.chunkId);
        validateChunkVersion(request.copy.version);
      } catch (err) {
        return failure("INVALID", (err as Error).message);
      }
      return this.copy(chunkId, request.copy);
    }
    return failure("INVALID", "a replicate request carries a copy or a delete");
  }

  private async remove(chunkId: string, version: number): Promise<ReplicateResponse> {
    const deleted = await this.init.store.delete(chunkId, version === 0 ? undefined : version);
    if (deleted) this.stats.deletes += 1;
    return { ...ok(), deleted };
  }

  private async copy(chunkId: string, request: CopyChunk): Promise<ReplicateResponse> {
    const self = this.init.host.peerId.toString();
    const targets = request.targets.map((target) => target.peer);
    if (targets.length === 0 || targets.length > WRITE_PIPELINE_TARGETS_MAX) return failure("INVALID", `a copy names 1 to ${WRITE_PIPELINE_TARGETS_MAX} targets`);
    if (targets.includes(self)) return failure("INVALID", "a copy never targets its own source");
    if (new Set(targets).size !== targets.length) return failure("INVALID", "a copy names each target once");
    try {
      for (const target of targets) peerIdFromString(target);
    } catch {
      return failure("INVALID", "a copy target is not a peer id");
    }
    if (!Number.isSafeInteger(request.sizeBytes) || request.sizeBytes < 0 || request.sizeBytes > CHUNK_SIZE_BYTES_MAX) return failure("INVALID", `a chunk is 0 to ${CHUNK_SIZE_BYTES_MAX} bytes`);
    const held = this.init.store.stat(chunkId);
    if (!held) return failure("CHUNK_NOT_FOUND", `chunk ${chunkId} is not held here`);
    if (held.version !== request.version) return failure("CHUNK_STALE", `chunk ${chunkId} is held at version ${held.version}, not ${request.version}`);
    if (held.sizeBytes !== request.sizeBytes) return failure("CHUNK_STALE", `chunk ${chunkId} holds ${held.sizeBytes} bytes, not ${request.sizeBytes}`);
    await this.learnAddresses(request);
    try {
      const result = await this.init.data.writeChunk({
        chunkId,
        version: request.version,
        targets,
        data: this.init.store.createReadStream(chunkId, request.version),
        expectedSizeBytes: request.sizeBytes,
      });
      this.stats.copiesSent += 1;
      this.stats.bytesSent += result.sizeBytes * targets.length;
      return { ...ok(), sizeBytes: result.sizeBytes };
    } catch (err) {
      this.stats.copiesFailed += 1;
      // A target that holds this very version already: the leader did not know of its copy.
      // It is told so (the target's store refused, CHUNK_EXISTS) and takes it as a location.
      if (err instanceof PipelineError && err.storeCode === "CHUNK_EXISTS") return { ...failure("CHUNK_EXISTS", err.message), failedPeer: err.failedPeer };
      if (err instanceof PipelineError) return { ...failure("PIPELINE_FAILED", err.message), failedPeer: err.failedPeer };
      if (isChunkStoreError(err)) return failure(err.code, err.message);
      this.init.log.warn("a copy failed", { chunk: chunkId, err });
      return failure("FAILED", (err as Error).message);
    }
  }

  private async learnAddresses(request: CopyChunk): Promise<void> {
    for (const target of request.targets) {
      const addresses = target.addresses.flatMap((address) => {
        try {
          return [multiaddr(address)];
        } catch {
          return [];
        }
      });
      if (addresses.length === 0) continue;
      await this.init.host.peerStore.merge(peerIdFromString(target.peer), { multiaddrs: addresses }).catch(() => undefined);
    }
  }
}

function ok(): ReplicateResponse {
  return { errorCode: "", errorMessage: "", failedPeer: "", sizeBytes: 0, deleted: false };
}

function failure(code: string, message: string): ReplicateResponse {
  return { ...ok(), errorCode: code, errorMessage: message.slice(0, 512) };
}
