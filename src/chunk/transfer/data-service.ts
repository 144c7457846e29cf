// The chunk server's data protocols as one service the peer wires in: registers
// /tessera/chunk/write/1 and /tessera/chunk/read/1 in start() (with inbound stream limits;
// every wait inside has its own deadline), fails the pipelines in progress and unregisters in
// stop(), and keeps the counters metrics will show. The handlers are thin adapters
// (STYLE.md §7): write-pipeline.ts and read-protocol.ts hold the logic.
import type { PeerId, Stream } from "@libp2p/interface";
import type { TesseraHost } from "../../net/host.ts";
import type { Logger } from "../../util/log.ts";
import type { ChunkStore } from "../store/store.ts";
import { READ_INBOUND_STREAMS_MAX, WRITE_INBOUND_STREAMS_MAX } from "./data-constants.ts";
import { PipelineError } from "./data-errors.ts";
import type { PipelineStage } from "./pipeline-stage.ts";
import { handleReadStream, newReadCounters, openChunkRead, openChunkReadLocal, type ChunkRange, type ChunkReadStream, type ReadCounters } from "./read-protocol.ts";
import { handleWriteStream, newWriteCounters, writeChunk, type WriteChunkOptions, type WriteChunkResult, type WriteCounters } from "./write-pipeline.ts";
import { CHUNK_READ_PROTOCOL, CHUNK_WRITE_PROTOCOL } from "../../protocol/ids.ts";

/** How long stop() lets failed pipelines tell their upstreams before resetting their streams. */
const STOP_GRACE_MS = 1_000;

export interface DataServiceInit {
  host: TesseraHost;
  store: ChunkStore;
  log: Logger;
}

export interface DataServiceStats {
  write: WriteCounters;
  read: ReadCounters;
}

export class DataService {
  readonly stats: DataServiceStats = { write: newWriteCounters(), read: newReadCounters() };
  private readonly host: TesseraHost;
  private readonly store: ChunkStore;
  private readonly log: Logger;
  private readonly activeStages = new Set<PipelineStage>();
  private readonly handlers = new Set<Promise<void>>();
  private readonly streams = new Set<Stream>();
  private started = false;

  constructor(init: DataServiceInit) {
    this.host = init.host;
    this.store = init.store;
    this.log = init.log.child("data");
  }

  async start(): Promise<void> {
    if (this.started) return;
    const writeContext = { host: this.host, store: this.store, log: this.log, counters: this.stats.write, active: this.activeStages };
    const readContext = { store: this.store, log: this.log, counters: this.stats.read };
    await this.host.handle(CHUNK_WRITE_PROTOCOL, (stream, connection) => this.track(stream, handleWriteStream(writeContext, stream, connection)), { maxInboundStreams: WRITE_INBOUND_STREAMS_MAX });
    await this.host.handle(CHUNK_READ_PROTOCOL, (stream, connection) => this.track(stream, handleReadStream(readContext, stream, connection)), { maxInboundStreams: READ_INBOUND_STREAMS_MAX });
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.host.unhandle([CHUNK_WRITE_PROTOCOL, CHUNK_READ_PROTOCOL]);
    const selfId = this.host.peerId.toString();
    for (const stage of this.activeStages) stage.fail(new PipelineError("SHUTTING_DOWN", selfId, "the chunk server is stopping"));
    const settled = Promise.allSettled([...this.handlers]);
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))]);
    for (const stream of this.streams) stream.abort(new Error("the chunk server is stopping"));
    await settled;
  }

  /** writeChunk with this peer's store as the local replica when targets[0] is this peer. */
  writeChunk(options: Omit<WriteChunkOptions, "localStore" | "log">): Promise<WriteChunkResult> {
    return writeChunk(this.host, { ...options, localStore: this.store, log: this.log }, this.stats.write);
  }

  /** A verified read of `peer`'s replica; this peer's own replica is read from disk directly. */
  openRead(peer: PeerId | string, range: ChunkRange): Promise<ChunkReadStream> {
    if (peer.toString() === this.host.peerId.toString()) return openChunkReadLocal(this.store, range, this.stats.read);
    return openChunkRead(this.host, peer, range, this.stats.read);
  }

  private track(stream: Stream, handler: Promise<void>): void {
    this.streams.add(stream);
    const tracked = handler
      .catch((err: unknown) => this.log.error("data handler failed", { protocol: stream.protocol, err }))
      .finally(() => {
        this.streams.delete(stream);
        this.handlers.delete(tracked);
      });
    this.handlers.add(tracked);
  }
}
