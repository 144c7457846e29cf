// Which peer's data endpoint a redirect points at (pure). OPEN (and GETFILECHECKSUM) go to a
// live peer holding the chunk at the requested offset, as HDFS's NameNode sends a reader to a
// DataNode with the block: the bytes then leave that peer's disk without crossing the network
// twice. CREATE and APPEND go to this peer, whose client puts the first replica of what it
// writes on its own disk, unless it is short of room.
import type { ChunkView, StatView } from "../../client/fs.ts";
import { hostOf } from "./json.ts";

/** A live peer serving admin HTTP, as its heartbeat tells. */
export interface LivePeer {
  id: string;
  /** HOST:PORT of its admin HTTP server. */
  httpAddress: string;
  freeBytes: number;
}

/** What the WebHDFS server knows of the cluster (the peer wires it to its membership table). */
export interface WebHdfsPeers {
  readonly selfId: string;
  /** Live peers with an admin HTTP address, this one included once it is listening. */
  live(): LivePeer[];
}

/** A writer is sent elsewhere when this peer has less free room than this (a chunk and then some). */
export const WRITER_FREE_BYTES_MIN = 256 * 1024 * 1024;

/** The chunk holding byte `offsetBytes` of a file, with its first byte's offset; undefined past the end. */
export function chunkAt(chunks: readonly ChunkView[], offsetBytes: number): { chunk: ChunkView; startBytes: number } | undefined {
  let at = 0;
  for (const chunk of chunks) {
    if (offsetBytes < at + chunk.size) return { chunk, startBytes: at };
    at += chunk.size;
  }
  return undefined;
}

/**
 * The peer to read byte `offsetBytes` of `stat` from: a live holder of its chunk on the
 * client's own host (the reader's locality), else this peer if it holds it, else any live
 * holder (`random` spreads readers); this peer when no holder is live or the offset is past
 * the last byte (an empty read).
 */
export function readerPeer(stat: StatView, offsetBytes: number, peers: readonly LivePeer[], selfId: string, clientHost: string, random: () => number): LivePeer | undefined {
  const self = peers.find((peer) => peer.id === selfId);
  const at = chunkAt(stat.chunks, offsetBytes);
  if (!at) return self;
  const holders = new Set(at.chunk.replicas.map((replica) => replica.peer));
  const live = peers.filter((peer) => holders.has(peer.id));
  if (live.length === 0) return self;
  const local = clientHost === "" ? undefined : live.find((peer) => hostOf(peer.httpAddress) === clientHost && !isLoopback(clientHost));
  if (local) return local;
  const selfHolder = live.find((peer) => peer.id === selfId);
  if (selfHolder) return selfHolder;
  return live[Math.min(live.length - 1, Math.floor(random() * live.length))];
}

/** The peer a CREATE or APPEND writes through: this one, unless short of room; then the live peer with the most. */
export function writerPeer(peers: readonly LivePeer[], selfId: string): LivePeer | undefined {
  const self = peers.find((peer) => peer.id === selfId);
  if (self && self.freeBytes >= WRITER_FREE_BYTES_MIN) return self;
  let best = self;
  for (const peer of peers) if (!best || peer.freeBytes > best.freeBytes) best = peer;
  return best;
}

function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === "::1" || host === "localhost";
}
